"""Reads of the registration rules: a member's facts and status, and staff's lists of members
who qualify for Premium or are one designated activity short (one query per page)."""

from allauth.account.models import EmailAddress
from django.db.models import (
    Case,
    Count,
    Exists,
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

from .models import Declaration, IdentityCheck, IdentityLevel, RuleSet
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


def _designated_attendances(fy: int) -> QuerySet[Engagement]:
    """Live ledger attendances at sessions, held in fiscal year `fy`, of activities designated
    for that year (a corrected attendance does not count)."""
    period = fiscal_year(fy)
    sessions = ActivitySession.objects.filter(activity__designations__fiscal_year=fy).values("pk")
    return (
        Engagement.objects.filter(
            source_type=ATTENDANCE,
            source_id__in=sessions,
            occurred_at__gte=period.start,
            occurred_at__lt=period.end,
            corrects__isnull=True,
        )
        .exclude(corrections__isnull=False)
        .order_by()
    )


def _designated_done(fy: int) -> Coalesce:
    done = (
        _designated_attendances(fy)
        .filter(member=OuterRef("pk"))
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(done, output_field=IntegerField()), 0)


def _verified_address() -> QuerySet[EmailAddress]:
    """The member's login has a verified address (an imported member who has not claimed
    their account yet has none)."""
    return EmailAddress.objects.filter(user=OuterRef("user"), verified=True)


def with_facts(members: QuerySet[Member], *, fy: int) -> QuerySet[Member]:
    """Annotate members with what their Premium status is derived from, in the same query."""
    email = Case(
        When(Q(status=Member.Status.ACTIVE) & Q(Exists(_verified_address())),
             then=Value(IdentityLevel.EMAIL.value)),  # fmt: skip
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


def facts_by_member(*, community: Community, fy: int) -> tuple[dict, dict, dict]:
    """The three row-backed facts of every member of a community, as dicts by member id (three
    grouped queries): for exports, where a correlated subquery per member costs too much."""
    done = dict(
        _designated_attendances(fy)
        .filter(community=community)
        .values("member")
        .annotate(n=Count("pk"))
        .values_list("member", "n")
    )
    checked = dict(
        IdentityCheck.objects.filter(member__community=community)
        .values("member")
        .annotate(level=Max("level"))
        .values_list("member", "level")
    )
    declared = dict(
        Declaration.objects.filter(member__community=community).values_list(
            "member", "other_municipalities"
        )
    )
    return done, checked, declared


def verified_users(*, community: Community) -> set[int]:
    """Logins of the community's members with a verified address (one query)."""
    return set(
        EmailAddress.objects.filter(verified=True, user__memberships__community=community)
        .values_list("user_id", flat=True)
        .distinct()
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
    activity and nothing else (short=True). The rule set's conditions are written as SQL that
    narrows first (members with enough designated attendances: one grouped subquery; a strong
    enough identity check: a semi-join), so only the members listed get their facts
    annotated — a page is one query however many members there are."""
    wanted = rules.required_activities - 1 if short else rules.required_activities
    counted = _designated_attendances(fy).values("member").annotate(n=Count("pk"))
    if wanted <= 0:
        # Nobody needs an attendance: everyone without too many counts in.
        too_many = counted.filter(n__gt=wanted).values("member") if short else None
        chosen = members.exclude(pk__in=too_many) if too_many is not None else members
    else:
        enough = counted.filter(n=wanted) if short else counted.filter(n__gte=wanted)
        chosen = members.filter(pk__in=enough.values("member"))
    chosen = chosen.filter(status=Member.Status.ACTIVE)
    if rules.min_identity_level > IdentityLevel.NONE:
        checked = IdentityCheck.objects.filter(
            member=OuterRef("pk"), level__gte=rules.min_identity_level
        )
        if rules.min_identity_level == IdentityLevel.EMAIL:
            chosen = chosen.filter(Q(Exists(checked)) | Q(Exists(_verified_address())))
        else:
            chosen = chosen.filter(Exists(checked))
    chosen = chosen.filter(
        Q(residency_declaration__isnull=True)
        | Q(residency_declaration__other_municipalities__lte=rules.max_municipalities - 1)
    )
    if rules.excludes_residents:
        chosen = chosen.exclude(municipality_code="").exclude(
            municipality_code=rules.community.municipality_code
        )
    return with_facts(chosen, fy=fy).order_by("number", "pk")


def designated_open_activities(*, community: Community, fy: int, limit: int = 10):
    """This year's designated activities that members can still find on /activities/."""
    from enishi.activities.selectors import public_activities

    activities = public_activities(community=community, filters={})
    return activities.filter(designations__fiscal_year=fy)[:limit]


def share_consent(member: Member) -> Consent | None:
    """The member's latest answer about sharing their registration with other systems."""
    return member.consents.filter(purpose=Consent.Purpose.REGISTRY_SHARE).first()
