"""Who a segment is, who may receive marketing mail, and how a mailing is going — each one
query, built from Q objects and Exists subqueries (no per-member Python loops)."""

import operator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from functools import reduce

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from enishi.activities.models import Application
from enishi.communities.models import Community
from enishi.core.japan import PREFECTURES
from enishi.ledger.models import Engagement
from enishi.ledger.selectors import standing_filter
from enishi.members.models import Availability, Member, MemberTie, MemberUse
from enishi.privacy.models import Consent

from .models import (
    Delivery,
    Journey,
    JourneySend,
    Mailing,
    MailTopic,
    SuppressedAddress,
    TopicOptOut,
)

# Age bands offered by segments: the decade a member's age falls in ("70" is 70 and over).
AGE_BANDS = ["10", "20", "30", "40", "50", "60", "70"]


def newsletter_granted_members() -> QuerySet[Consent]:
    """Member ids whose latest newsletter answer (by time, then id, as
    `privacy.selectors.current_consent`) is yes: the yes answers with no later answer. Written
    as an anti-join rather than "the latest row per member" so the database can answer it for a
    million members with hash joins instead of one index probe per member."""
    purpose = Consent.Purpose.NEWSLETTER_EMAIL
    later = Consent.objects.filter(member=OuterRef("member"), purpose=purpose).filter(
        Q(recorded_at__gt=OuterRef("recorded_at"))
        | Q(recorded_at=OuterRef("recorded_at"), pk__gt=OuterRef("pk"))
    )
    return (
        Consent.objects.filter(purpose=purpose, granted=True)
        .filter(~Exists(later))
        .values("member_id")
    )


def reachable_members(*, community: Community, topic: MailTopic | None = None):
    """Members marketing mail may go to: active, with an address that has not bounced, whose
    latest answer about the newsletter is yes, and (for a list) who have not left the list.
    Withdrawn members are never active again, so they get nothing ever again."""
    members = (
        Member.objects.filter(community=community, status=Member.Status.ACTIVE)
        .exclude(user__isnull=True)
        .exclude(user__email="")
        .filter(pk__in=newsletter_granted_members())
        .filter(~Exists(SuppressedAddress.objects.filter(email=OuterRef("user__email"))))
    )
    if topic is not None:
        members = members.filter(
            ~Exists(TopicOptOut.objects.filter(member=OuterRef("pk"), topic=topic))
        )
    return members


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _date(value) -> date | None:
    return date.fromisoformat(value) if value else None


def condition_q(*, community: Community, key: str, value, today: date) -> Q | None:
    """One condition of a segment as a Q (None when the value is empty)."""
    if value in (None, "", [], False):
        return None
    match key:
        case "everyone":
            return Q()
        case "prefectures":
            return Q(prefecture_code__in=value)
        case "regions":
            codes = [code for code, _name, region in PREFECTURES if region in value]
            return Q(prefecture_code__in=codes)
        case "age_bands":
            bands = []
            for band in value:
                youngest = int(band)
                if youngest >= 70:
                    bands.append(Q(birth_year__lte=today.year - youngest))
                else:
                    bands.append(
                        Q(birth_year__lte=today.year - youngest,
                          birth_year__gte=today.year - youngest - 9)  # fmt: skip
                    )
            return reduce(operator.or_, bands)
        case "ties":
            return Q(Exists(MemberTie.objects.filter(member=OuterRef("pk"), tie__in=value)))
        case "availability":  # "any" suits whichever days are asked for
            return Q(availability__in=[*value, Availability.ANY])
        case "online_ok":
            return Q(online_ok=True)
        case "uses":
            return Q(Exists(MemberUse.objects.filter(member=OuterRef("pk"), use__in=value)))
        case "topics" | "skills":
            through = getattr(Member, key).through
            return Q(Exists(through.objects.filter(member=OuterRef("pk"), tag_id__in=value)))
        case "rank":
            return Q(pk__in=standing_filter(community=community, rank=value))
        case "stage":
            return Q(pk__in=standing_filter(community=community, stage=value))
        case "joined":
            start, end = _date(value.get("from")), _date(value.get("to"))
            q = Q()
            if start:
                q &= Q(joined_at__gte=_local_start(start))
            if end:
                q &= Q(joined_at__lt=_local_start(end + timedelta(days=1)))
            return q
        case "attended":
            attended = Application.objects.filter(
                member=OuterRef("pk"), status=Application.Status.ATTENDED
            )
            if value.get("use"):
                attended = attended.filter(session__activity__use=value["use"])
            if value.get("activity"):
                attended = attended.filter(session__activity_id=value["activity"])
            if start := _date(value.get("from")):
                attended = attended.filter(session__starts_at__gte=_local_start(start))
            if end := _date(value.get("to")):
                attended = attended.filter(
                    session__starts_at__lt=_local_start(end + timedelta(days=1))
                )
            return Q(Exists(attended))
        case "donated":  # gave through ふるさと納税 (in a period, when one is given)
            from enishi.donations.selectors import gave_in

            return Q(gave_in(value, member=OuterRef("pk")))
        case "inactive_days":
            since = timezone.now() - timedelta(days=int(value))
            recent = Engagement.objects.filter(member=OuterRef("pk"), occurred_at__gte=since)
            return ~Q(Exists(recent))
    raise ValueError(f"unknown segment condition {key!r}")


def segment_members(
    *, community: Community, match: str, conditions: dict, topic: MailTopic | None = None
) -> QuerySet[Member]:
    """The members a segment's conditions choose, among those mail may reach: one query."""
    today = timezone.localdate()
    parts = [
        q
        for key, value in conditions.items()
        if (q := condition_q(community=community, key=key, value=value, today=today)) is not None
    ]
    members = reachable_members(community=community, topic=topic)
    if not parts:
        return members.none()
    combine = operator.and_ if match == "all" else operator.or_
    return members.filter(reduce(combine, parts))


@contextmanager
def _without_jit():
    """PostgreSQL's JIT compiles big plans first, which costs a second or more for a count
    that runs once; the live count is faster without it (this transaction only)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def segment_preview(*, community: Community, match: str, conditions: dict, sample: int = 10):
    """The live count and the newest few members of a segment being built."""
    members = segment_members(community=community, match=match, conditions=conditions)
    with _without_jit():
        return {
            "count": members.count(),
            "sample": list(members.order_by("-joined_at", "-pk")[:sample]),
        }


def mailing_recipients(*, mailing: Mailing) -> QuerySet:
    """The members a mailing goes to, or for an invitation (a contacts segment) the contacts
    not invited yet who agreed to information from the municipality."""
    segment = mailing.segment
    if segment is None:
        return Member.objects.none()
    if segment.for_contacts:
        from enishi.donations.selectors import segment_contacts

        return segment_contacts(community=mailing.community, match=segment.match,
                                conditions=segment.conditions)  # fmt: skip
    return segment_members(
        community=mailing.community,
        match=segment.match,
        conditions=segment.conditions,
        topic=mailing.topic,
    )


def delivery_counts(*, mailing: Mailing) -> dict:
    """How many deliveries are in each state, plus the percentage done (the progress bar)."""
    rows = dict(
        Delivery.objects.filter(mailing=mailing)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts = {status: rows.get(status, 0) for status in Delivery.Status.values}
    total = sum(counts.values())
    done = sum(counts[s] for s in Delivery.DONE)
    counts["total"] = total
    counts["waiting"] = counts[Delivery.Status.QUEUED] + counts[Delivery.Status.SENDING]
    counts["percent"] = done * 100 // total if total else 0
    counts["failed_all"] = total - counts["waiting"] - counts[Delivery.Status.SENT]
    return counts


def journey_figures(*, community: Community):
    """Each journey with its recipients and how many of them engaged within 30 days after."""
    engaged = Engagement.objects.filter(
        member=OuterRef("member"),
        occurred_at__gt=OuterRef("sent_on"),
        occurred_at__lte=OuterRef("sent_on") + timedelta(days=30),
    ).exclude(kind="registration")
    sends = (
        JourneySend.objects.filter(journey__community=community)
        .annotate(engaged=Exists(engaged))
        .order_by()
        .values("journey")
        .annotate(
            recipients=Count("pk"),
            engaged_30d=Count("pk", filter=Q(engaged=True)),
        )
    )
    figures = {row["journey"]: row for row in sends}
    journeys = list(Journey.objects.filter(community=community).select_related("topic"))
    for journey in journeys:
        row = figures.get(journey.pk, {})
        journey.recipients = row.get("recipients", 0)
        journey.engaged_30d = row.get("engaged_30d", 0)
    return journeys


def member_topics_kept(*, member: Member) -> QuerySet[MailTopic]:
    """The lists the member has not left."""
    return MailTopic.objects.filter(community=member.community).exclude(opt_outs__member=member)
