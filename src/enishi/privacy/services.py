"""Writes to the privacy records: the audit log, policy versions and consents to them."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enishi.communities.models import Community
from enishi.core.requests import client_ip
from enishi.members.models import Member

from .models import AuditChainHead, AuditEvent, Consent, PolicyVersion


def audit_request(
    request, *, action: str, member: Member | None = None, row_count: int = 0, detail=None
) -> AuditEvent:
    """Record what the signed-in staff member is being shown or sent in this request."""
    return audit_record(
        actor=request.user,
        community=request.community,
        action=action,
        ip_address=client_ip(request),
        member=member,
        row_count=row_count,
        detail=detail,
    )


@transaction.atomic
def audit_record(
    *,
    actor,
    community: Community,
    action: str,
    ip_address: str | None,
    member: Member | None = None,
    row_count: int = 0,
    detail: dict | None = None,
) -> AuditEvent:
    """Record that `actor` (None: the system) read, exported, changed or erased personal data,
    chained to the row before it."""
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event = AuditEvent(
        sequence=head.sequence + 1,
        community=community,
        actor=actor,
        action=action,
        member=member,
        row_count=row_count,
        detail=detail or {},
        # As the database will give it back (IPv6 in its short lower-case form), so the
        # hash computed now matches the one recomputed from the stored row.
        ip_address=AuditEvent._meta.get_field("ip_address").get_prep_value(ip_address),
        created_at=timezone.now(),
        previous_hash=head.hash,
    )
    event.hash = event.compute_hash()
    event.save()
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash"])
    return event


class PolicyError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


# PolicyVersion.Document → the Community field holding the current version.
CURRENT_VERSION_FIELD = {
    PolicyVersion.Document.TERMS: "terms_version",
    PolicyVersion.Document.PRIVACY_POLICY: "privacy_policy_version",
}


@transaction.atomic
def policy_publish(
    *, community: Community, document: str, version: str, changes: str, requires_consent: bool, by
) -> PolicyVersion:
    """Publish a new version of the terms or the privacy policy: it becomes the community's
    current version at once; with `requires_consent`, members are asked at their next login."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    if community.policy_versions.filter(document=document, version=version).exists():
        raise PolicyError(_("この版はすでに公開されています。新しい版番号を付けてください。"))
    published = PolicyVersion.objects.create(
        community=community,
        document=document,
        version=version,
        changes=changes,
        requires_consent=requires_consent,
        published_by=by,
    )
    setattr(community, CURRENT_VERSION_FIELD[document], version)
    community.save(update_fields=[CURRENT_VERSION_FIELD[document]])
    return published


@transaction.atomic
def policy_consent_record(*, member: Member, policies: list[PolicyVersion]) -> None:
    """The member agreed to these policy versions (asked after a change, at sign-in)."""
    Consent.objects.bulk_create(
        Consent(
            member=member, purpose=p.document, granted=True, version=p.version, source="reconsent"
        )
        for p in policies
    )
