"""Automatic journeys: who is due for which, once per member per period. Run by
`enishi run_journeys` (cron, daily); each run of a journey becomes a `Mailing` delivered by
the same worker and rules as newsletters (so opt-outs, bounces and retries apply alike).

"Interest window closing" is not here: enishi has no record of a member showing interest in
an activity (no bookmarks or follows) to remind them about.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from enishi.activities.models import Activity
from enishi.ledger.models import Engagement, Kind, PointsRule
from enishi.ledger.selectors import standings
from enishi.members.models import Member

from .models import Journey, JourneySend, Mailing
from .selectors import reachable_members
from .services import mailing_queue

EPOCH = date(2020, 1, 1)
# The welcome mails still go if cron missed a day or two.
CATCH_UP = timedelta(days=3)
# Which prefectures are near which meeting city, for recommendations.
NEAR_CITY = {
    Activity.City.TOKYO: {"08", "09", "10", "11", "12", "13", "14", "19"},
    Activity.City.OSAKA: {"25", "26", "27", "28", "29", "30"},
    Activity.City.NAGOYA: {"21", "22", "23", "24"},
}


def open_activities(*, community, now: datetime | None = None) -> list[Activity]:
    now = now or timezone.now()
    return list(
        Activity.objects.filter(
            community=community,
            status=Activity.Status.PUBLISHED,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .prefetch_related("topics")
        .order_by("closes_at", "pk")[:200]
    )


def recommended_activities(*, member: Member, activities=None, count: int = 3) -> list[Activity]:
    """Three open activities for the member: those of the uses they chose and the topics they
    care about first, then those they can reach (online, their region's meeting city, Iga)."""
    if activities is None:
        activities = open_activities(community=member.community)
    uses = {u.use for u in member.uses.all()}
    topics = {t.pk for t in member.topics.all()}

    def score(activity: Activity) -> tuple:
        interest = (activity.use in uses) * 2 + bool(topics & {t.pk for t in activity.topics.all()})
        near = (
            activity.place_kind in (Activity.PlaceKind.ONLINE, Activity.PlaceKind.IGA)
            or member.prefecture_code in NEAR_CITY.get(activity.city, ())
        )
        return (-interest, -near)

    return sorted(activities, key=score)[:count]


def period_key(journey: Journey, today: date) -> str:
    if not journey.period_days:
        return "once"
    return f"p{(today - EPOCH).days // journey.period_days}"


def _candidates(journey: Journey, now: datetime):
    members = reachable_members(community=journey.community, topic=journey.topic)
    match journey.kind:
        case Journey.Kind.WELCOME:
            return members.filter(joined_at__gt=now - CATCH_UP, joined_at__lte=now)
        case Journey.Kind.WELCOME_FOLLOW_UP:
            due = now - timedelta(days=journey.days)
            return members.filter(joined_at__gt=due - CATCH_UP, joined_at__lte=due)
        case Journey.Kind.WE_MISS_YOU:
            since = now - timedelta(days=journey.days)
            recent = Engagement.objects.filter(member=OuterRef("pk"), occurred_at__gte=since)
            return members.filter(joined_at__lte=since).filter(~Exists(recent))
        case Journey.Kind.ONE_SHORT:
            return members
    raise ValueError(journey.kind)


def one_short(*, journey: Journey, members) -> dict[int, str]:
    """Members one attendance away from their next rank, by the ledger's standing rules:
    they need at most one more attendance in 12 months and at most one attendance's points.
    The period is the rank they are about to reach (one nudge per rank)."""
    # A typical attendance: a local activity's points (activities may set their own).
    rule = PointsRule.objects.filter(community=journey.community, kind=Kind.LOCAL_ACTIVITY).first()
    attendance_points = rule.points if rule else 20
    due = {}
    for member, standing in standings(community=journey.community, members=members):
        if standing.next_rank is None:
            continue
        if standing.attendances_to_next <= 1 and standing.points_to_next <= attendance_points:
            due[member.pk] = f"rank{standing.next_rank.pk}"
    return due


def journey_run(*, journey: Journey, now: datetime | None = None) -> int:
    """Send one journey to the members due for it now and not yet reached in this period.
    Returns how many were queued."""
    now = now or timezone.now()
    with transaction.atomic():
        # One run of a journey at a time: the lock makes "not yet sent" and "mark sent" one
        # step, and the unique JourneySend row is the guarantee behind it.
        journey = Journey.objects.select_for_update().select_related("community", "topic").get(
            pk=journey.pk
        )
        candidates = _candidates(journey, now)
        if journey.kind == Journey.Kind.ONE_SHORT:
            periods = one_short(journey=journey, members=candidates)
        else:
            period = period_key(journey, timezone.localdate(now))
            periods = {pk: period for pk in candidates.values_list("pk", flat=True)}
        if not periods:
            return 0
        already = set(
            JourneySend.objects.filter(journey=journey, member_id__in=list(periods))
            .values_list("member_id", "period")
        )
        due = {pk: p for pk, p in periods.items() if (pk, p) not in already}
        if not due:
            return 0
        mailing = Mailing.objects.create(
            community=journey.community,
            topic=journey.topic,
            journey=journey,
            subject=journey.subject,
            body=journey.body,
        )
        JourneySend.objects.bulk_create(
            JourneySend(journey=journey, member_id=pk, period=p, mailing=mailing, sent_on=now)
            for pk, p in due.items()
        )
        return mailing_queue(mailing=mailing, members=Member.objects.filter(pk__in=list(due)))


def journeys_run(*, now: datetime | None = None) -> dict[str, int]:
    return {
        f"{journey.community.slug}:{journey.kind}": journey_run(journey=journey, now=now)
        for journey in Journey.objects.filter(is_active=True).select_related("community")
    }
