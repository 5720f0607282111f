"""Writes of the registration rules: rule sets, designations, identity checks, declarations."""

from django.db import transaction

from enishi.activities.models import Activity
from enishi.core.requests import client_ip
from enishi.members.models import Member
from enishi.privacy.models import AuditEvent, Consent
from enishi.privacy.services import audit_record

from .models import ActivityDesignation, Declaration, IdentityCheck, RuleSet


@transaction.atomic
def rules_save(*, rules: RuleSet, by) -> RuleSet:
    """Save the community's Premium rule set (a new one or an edit by admin staff)."""
    rules.updated_by = by
    rules.save()
    return rules


@transaction.atomic
def activity_designate(*, activity: Activity, fiscal_year: int, designated: bool, by) -> bool:
    """Mark (or unmark) an activity as a designated 担い手活動 of a fiscal year. Returns whether
    it is designated afterwards."""
    if designated:
        ActivityDesignation.objects.get_or_create(
            activity=activity,
            fiscal_year=fiscal_year,
            defaults={"community_id": activity.community_id, "designated_by": by},
        )
    else:
        ActivityDesignation.objects.filter(activity=activity, fiscal_year=fiscal_year).delete()
    return designated


@transaction.atomic
def identity_check_record(
    *, member: Member, level: int, method: str, by, request=None
) -> IdentityCheck:
    """Staff verified the member's identity (in person, or by an external service): a new row,
    and an audit entry naming who checked."""
    check = IdentityCheck.objects.create(member=member, level=level, method=method, checked_by=by)
    audit_record(
        actor=by,
        community=member.community,
        action=AuditEvent.Action.IDENTITY_CHECK,
        ip_address=client_ip(request) if request is not None else None,
        member=member,
        row_count=1,
        detail={"level": level, "method": method},
    )
    return check


@transaction.atomic
def declaration_save(
    *, member: Member, other_municipalities: int, share: bool, policy_version: str
) -> Declaration:
    """The member declares their other Premium registrations and whether their registration may
    be shared with other systems (a Consent row is added only when the answer changes)."""
    declaration, _created = Declaration.objects.update_or_create(
        member=member, defaults={"other_municipalities": other_municipalities}
    )
    latest = member.consents.filter(purpose=Consent.Purpose.REGISTRY_SHARE).first()
    if latest is None or latest.granted != share:
        Consent.objects.create(
            member=member,
            purpose=Consent.Purpose.REGISTRY_SHARE,
            granted=share,
            version=policy_version,
            source="residency",
        )
    return declaration
