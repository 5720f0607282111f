"""Reads of the registration rules: a member's facts and status, and staff's lists of members
who qualify for Premium or are one designated activity short (one query per page)."""

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from enishi.activities.models import ActivitySession
from enishi.communities.models import Community
from enishi.insights.periods import fiscal_year, fiscal_year_of
from enishi.ledger.models import Engagement
from enishi.ledger.selectors import ATTENDANCE
from enishi.members.models import Member
from enishi.privacy.models import Consent

from .models import IdentityLevel, RuleSet
from .rules import Facts, PremiumStatus, evaluate


def current_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate())


def rules_for(community: Community) -> RuleSet:
    """The community's rule set; a community without one gets the reported national values."""
    rules = getattr(community, "_premium_rules", None)
    if rules is None:
        rules = RuleSet.objects.filter(community=community).first() or RuleSet(community=community)
        community._premium_rules = rules
    return rules


def _designated_done(fy: int) -> Coalesce:
    """Live attendances this member had at sessions, held in fiscal year `fy`, of activities
    designated for that year (a corrected attendance does not count)."""
    period = fiscal_year(fy)
    sessions = ActivitySession.objects.filter(activity__designations__fiscal_year=fy).values("pk")
    done = (
        Engagement.objects.filter(
            member=OuterRef("pk"),
            source_type=ATTENDANCE,
            source_id__in=sessions,
            occurred_at__gte=period.start,
            occurred_at__lt=period.end,
            corrects__isnull=True,
        )
        .exclude(corrections__isnull=False)
        .order_by()
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(done, output_field=IntegerField()), 0)


def with_facts(members: QuerySet[Member], *, fy: int) -> QuerySet[Member]:
    """Annotate members with what their Premium status is derived from, in the same query."""
    email = Case(
        When(status=Member.Status.ACTIVE, then=Value(IdentityLevel.EMAIL.value)),
        default=Value(IdentityLevel.NONE.value),
        output_field=IntegerField(),
    )
    checked = Subquery(
        Member.objects.filter(pk=OuterRef("pk"))
        .annotate(level=Max("identity_checks__level"))
        .values("level"),
        output_field=IntegerField(),
    )
    return members.annotate(
        designated_done=_designated_done(fy),
        identity_level=Greatest(email, Coalesce(checked, Value(IdentityLevel.NONE.value))),
        other_municipalities=Coalesce(F("residency_declaration__other_municipalities"), 0),
    )


def status_of(member: Member, *, rules: RuleSet, fy: int) -> PremiumStatus:
    """The status of a member annotated by `with_facts`."""
    return evaluate(
        rules,
        Facts(
            designated_done=member.designated_done,
            identity_level=member.identity_level,
            other_municipalities=member.other_municipalities,
            municipality_code=member.municipality_code,
            community_code=rules.community.municipality_code,
            fiscal_year=fy,
        ),
    )


def member_premium_status(*, member: Member, fy: int | None = None) -> PremiumStatus:
    """A member's Premium status now (or in fiscal year `fy`)."""
    fy = current_fiscal_year() if fy is None else fy
    rules = rules_for(member.community)
    annotated = with_facts(Member.objects.filter(pk=member.pk), fy=fy).get()
    return status_of(annotated, rules=rules, fy=fy)


def premium_candidates(*, members: QuerySet[Member], rules: RuleSet, fy: int, short: bool):
    """Active members who qualify for Premium (short=False) or lack exactly one designated
    activity and nothing else (short=True). The rule set's conditions are written as SQL so a
    page of them is one query."""
    wanted = rules.required_activities - 1 if short else rules.required_activities
    condition = Q(
        identity_level__gte=rules.min_identity_level,
        other_municipalities__lte=rules.max_municipalities - 1,
    )
    condition &= Q(designated_done=wanted) if short else Q(designated_done__gte=wanted)
    if rules.excludes_residents:
        condition &= ~Q(municipality_code="") & ~Q(
            municipality_code=rules.community.municipality_code
        )
    return (
        with_facts(members.filter(status=Member.Status.ACTIVE), fy=fy)
        .filter(condition)
        .order_by("number", "pk")
    )


def share_consent(member: Member) -> Consent | None:
    """The member's latest answer about sharing their registration with other systems."""
    return member.consents.filter(purpose=Consent.Purpose.REGISTRY_SHARE).first()
