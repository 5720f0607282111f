"""Reads of the matching app: 「あなたへのおすすめ」 for a member, who is interested in what."""

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from enishi.activities.models import Activity, Application
from enishi.core.text import search_normalize
from enishi.members.models import Member, Tie

from . import semantic
from .models import ActivityProfile, Interest, MemberProfile

# Which prefectures are near which meeting city.
NEAR_CITY = {
    Activity.City.TOKYO: {"08", "09", "10", "11", "12", "13", "14", "19"},
    Activity.City.OSAKA: {"25", "26", "27", "28", "29", "30"},
    Activity.City.NAGOYA: {"21", "22", "23", "24"},
}
MIE = "24"
NEAR_IGA = {MIE, "25", "26", "27", "29"}  # Mie, Shiga, Kyoto, Osaka, Nara
LOCAL_TIES = {Tie.BIRTHPLACE, Tie.FORMER_RESIDENT, Tie.FAMILY, Tie.COMMUTE}
MAX_OPEN = 200


@dataclass
class Recommendation:
    activity: Activity
    score: float
    reason: str
    interested: bool = False


def open_activities(*, community, now: datetime | None = None) -> list[Activity]:
    """Published activities whose application window is open now (at most 200, closing first)."""
    now = now or timezone.now()
    return list(
        Activity.objects.filter(
            community=community,
            status=Activity.Status.PUBLISHED,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .select_related("organizer")
        .prefetch_related("topics", "wanted_skills")
        .order_by("closes_at", "pk")[:MAX_OPEN]
    )


def _peer_counts(member: Member, activity_ids: list[int], topic_ids, skill_ids) -> dict[int, int]:
    """How many other members sharing a topic or a skill with this one applied to each
    activity ("people like you joined")."""
    if not activity_ids or not (topic_ids or skill_ids):
        return {}
    peers = Member.objects.filter(community_id=member.community_id).exclude(pk=member.pk)
    like = peers.filter(topics__in=topic_ids) if topic_ids else peers.none()
    if skill_ids:
        like = like | peers.filter(skills__in=skill_ids)
    rows = (
        Application.objects.filter(
            session__activity_id__in=activity_ids, member__in=like.values("pk")
        )
        .exclude(status=Application.Status.CANCELLED)
        .values("session__activity_id")
        .annotate(n=Count("member", distinct=True))
    )
    return {row["session__activity_id"]: row["n"] for row in rows}


def recommendations(
    *, member: Member, activities: list[Activity] | None = None, count: int = 3
) -> list[Recommendation]:
    """Open activities for the member, best first, each with a one-line reason: their skills
    (tags the activity wants, or named in its text), their topics and uses, the place
    (online, their meeting city, Iga for people near or tied to it), what people like them
    applied to, and — with the semantic extra — how close the activity is to their
    experience. Activities they already applied to are left out."""
    if activities is None:
        activities = open_activities(community=member.community)
    applied = set(
        Application.objects.filter(member=member, session__activity__in=[a.pk for a in activities])
        .exclude(status=Application.Status.CANCELLED)
        .values_list("session__activity_id", flat=True)
    )
    activities = [a for a in activities if a.pk not in applied]
    if not activities:
        return []
    skills = {t.pk: t.name for t in member.skills.all()}
    topics = {t.pk: t.name for t in member.topics.all()}
    uses = {u.use for u in member.uses.all()}
    ties = {t.tie for t in member.ties.all()}
    ids = [a.pk for a in activities]
    interested = set(
        Interest.objects.filter(member=member, activity_id__in=ids).values_list(
            "activity_id", flat=True
        )
    )
    peers = _peer_counts(member, ids, list(topics), list(skills))
    similarity: dict[int, float] = {}
    if semantic.available():
        mine = MemberProfile.objects.filter(member=member).values_list("vector", flat=True).first()
        if mine:
            for activity_id, vector in ActivityProfile.objects.filter(
                activity_id__in=ids
            ).exclude(vector=b"").values_list("activity_id", "vector"):
                similarity[activity_id] = semantic.cosine(bytes(mine), bytes(vector))
    near_iga = member.prefecture_code in NEAR_IGA or bool(ties & LOCAL_TIES)
    found = []
    for activity in activities:
        reasons: list[tuple[float, str]] = []
        wanted = [skills[t.pk] for t in activity.wanted_skills.all() if t.pk in skills]
        text = search_normalize(f"{activity.title} {activity.body}")
        named = [n for n in skills.values() if n not in wanted and search_normalize(n) in text]
        for name in (wanted + named)[:1]:
            reasons.append((3.0 * len(wanted) + 2.0 * len(named),
                            _("「%(skill)s」のスキルが活かせます") % {"skill": name}))  # fmt: skip
        shared = [topics[t.pk] for t in activity.topics.all() if t.pk in topics]
        if shared:
            reason = _("関心のある「%(topic)s」の活動です") % {"topic": shared[0]}
            reasons.append((2.0 * len(shared), reason))
        if activity.use in uses:
            reasons.append((1.0, _("「%(use)s」で関わりたいあなたに") % {
                "use": activity.get_use_display()}))  # fmt: skip
        if activity.place_kind == Activity.PlaceKind.ONLINE:
            reasons.append((1.0, _("オンラインで参加できます")))
        elif activity.place_kind == Activity.PlaceKind.CITY and member.prefecture_code in (
            NEAR_CITY.get(activity.city, ())
        ):
            reasons.append((1.0, _("お住まいに近い%(city)sで開かれます") % {
                "city": activity.get_city_display()}))  # fmt: skip
        elif activity.place_kind == Activity.PlaceKind.IGA and near_iga:
            reasons.append((0.8, _("伊賀で開かれ、通いやすい活動です")))
        if peers.get(activity.pk):
            reasons.append((min(2.0, math.log1p(peers[activity.pk])),
                            _("関心の近い会員が参加しています")))  # fmt: skip
        if activity.pk in similarity:
            closeness = max(0.0, (similarity[activity.pk] - 0.80) / 0.08)
            if closeness > 0:
                reasons.append((2.0 * min(closeness, 1.0), _("あなたの経験に近い内容です")))
        if activity.pk in interested:
            reasons.append((0.5, _("「興味あり」にしている活動です")))
        if not reasons:
            reasons.append((0.0, _("受付中の活動です")))
        score = sum(weight for weight, _reason in reasons)
        reason = max(reasons, key=lambda r: r[0])[1]
        found.append(Recommendation(activity, score, reason, activity.pk in interested))
    found.sort(key=lambda r: (-r.score, r.activity.closes_at, r.activity.pk))
    return found[:count]


def member_interests(*, member: Member | None, activity: Activity) -> bool:
    return member is not None and Interest.objects.filter(member=member, activity=activity).exists()


def interested_members(*, activity: Activity, members: QuerySet[Member]) -> list[tuple]:
    """(interest, applied?) for who marked 興味あり on the activity among `members` (active
    only), newest first: two queries whatever their number."""
    applied = set(
        Application.objects.filter(session__activity=activity)
        .exclude(status=Application.Status.CANCELLED)
        .values_list("member_id", flat=True)
    )
    interests = (
        Interest.objects.filter(
            activity=activity, member__in=members.filter(status=Member.Status.ACTIVE)
        )
        .select_related("member")
        .prefetch_related("member__skills", "member__ties")
        .order_by("-created_at", "-pk")
    )
    return [(i, i.member_id in applied) for i in interests]
