"""Automatic journeys: who is due for which, once per member per period. Run by
`enishi run_journeys` (cron, daily); each run of a journey becomes a `Mailing` delivered by
the same worker and rules as newsletters (so opt-outs, bounces and retries apply alike).

Recommendations come from `matching.selectors.recommendations` (the same as 「あなたへのおすすめ」
on /me/). "Interest window closing" reminds members who marked 「興味あり」 on an activity whose
window closes within the journey's days and who have not applied: one mailing per activity.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from enishi.activities.models import Activity, Application
from enishi.ledger.models import Engagement, Kind, PointsRule
from enishi.ledger.selectors import standings
from enishi.matching.models import Interest
from enishi.matching.selectors import open_activities, recommendations
from enishi.members.models import Member

from .models import Journey, JourneySend, Mailing
from .selectors import reachable_members
from .services import mailing_queue

EPOCH = date(2020, 1, 1)
# The welcome mails still go if cron missed a day or two.
CATCH_UP = timedelta(days=3)


def recommended_activities(*, member: Member, activities=None, count: int = 3) -> list[Activity]:
    """Three open activities for the member, each carrying its one-line reason
    (`recommendation_reason`) for the mail."""
    found = []
    for item in recommendations(member=member, activities=activities, count=count):
        item.activity.recommendation_reason = item.reason
        found.append(item.activity)
    return found


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
        case Journey.Kind.ONE_SHORT | Journey.Kind.RECOMMENDED:
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


def with_recommendations(*, journey: Journey, members, period: str) -> dict[int, str]:
    """Members for whom there is something to recommend now (interests, skills or place
    make at least one open activity fit)."""
    activities = open_activities(community=journey.community)
    if not activities:
        return {}
    due = {}
    for member in members.prefetch_related("skills", "topics", "uses", "ties").iterator(500):
        found = recommendations(member=member, activities=activities, count=3)
        if any(r.score > 0 for r in found):
            due[member.pk] = period
    return due


def _interest_closing_run(journey: Journey, now: datetime) -> int:
    """One mailing per activity closing within `days`, to the members interested in it who
    have not applied and have not been reminded about it."""
    closing = Activity.objects.filter(
        community=journey.community,
        status=Activity.Status.PUBLISHED,
        closes_at__gt=now,
        closes_at__lte=now + timedelta(days=journey.days or 3),
    ).order_by("closes_at", "pk")
    queued = 0
    for activity in closing:
        period = f"a{activity.pk}"
        applied = Application.objects.filter(
            member=OuterRef("pk"), session__activity=activity
        ).exclude(status=Application.Status.CANCELLED)
        reminded = JourneySend.objects.filter(journey=journey, member=OuterRef("pk"), period=period)
        ids = list(
            reachable_members(community=journey.community, topic=journey.topic)
            .filter(Exists(Interest.objects.filter(member=OuterRef("pk"), activity=activity)))
            .filter(~Exists(applied), ~Exists(reminded))
            .values_list("pk", flat=True)
        )
        if not ids:
            continue
        mailing = Mailing.objects.create(
            community=journey.community, topic=journey.topic, journey=journey,
            subject=journey.subject, body=journey.body, activity=activity,
        )  # fmt: skip
        JourneySend.objects.bulk_create(
            JourneySend(journey=journey, member_id=pk, period=period, mailing=mailing, sent_on=now)
            for pk in ids
        )
        queued += mailing_queue(mailing=mailing, members=Member.objects.filter(pk__in=ids))
    return queued


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
        if journey.kind == Journey.Kind.INTEREST_CLOSING:
            return _interest_closing_run(journey, now)
        candidates = _candidates(journey, now)
        if journey.kind == Journey.Kind.ONE_SHORT:
            periods = one_short(journey=journey, members=candidates)
        elif journey.kind == Journey.Kind.RECOMMENDED:
            period = period_key(journey, timezone.localdate(now))
            periods = with_recommendations(journey=journey, members=candidates, period=period)
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
