"""Shared reads for promotion: invitation links, referrals, ambassadors, submissions."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from enishi.communities.models import Community, Tag
from enishi.core.qr import qr_svg
from enishi.ledger.models import Engagement, Kind
from enishi.members.models import Member

from .models import AmbassadorSetting, Campaign, Referral


@dataclass(frozen=True)
class Invitation:
    code: str
    url: str
    qr: SafeString


def invitation(request, member: Member) -> Invitation:
    """A member's personal invitation link (/join/?ref=CODE) and its QR code."""
    query = urlencode({"ref": member.referral_code})
    url = request.build_absolute_uri(f"{reverse('join')}?{query}")
    return Invitation(
        code=member.referral_code, url=url, qr=qr_svg(url, title=gettext("招待リンクのQRコード"))
    )


def rewarded_referrals(queryset: QuerySet | None = None) -> QuerySet:
    """Referrals that count: not flagged, and the invited member verified their address."""
    queryset = Referral.objects.all() if queryset is None else queryset
    return queryset.filter(flag="", invited__status=Member.Status.ACTIVE)


def ambassadors(*, members: QuerySet, limit: int = 50) -> QuerySet:
    """Members ranked by the people they invited who joined (flagged referrals do not count),
    with their flagged referrals and their `promotion` points (a subquery: summed over the
    referral join, the points would be counted once per referral)."""
    counted = Q(referrals_made__flag="", referrals_made__invited__status=Member.Status.ACTIVE)
    points = (
        Engagement.objects.filter(member=OuterRef("pk"), kind=Kind.PROMOTION)
        .order_by()
        .values("member")
        .annotate(total=Sum("points"))
        .values("total")
    )
    return (
        members.filter(Exists(Referral.objects.filter(referrer=OuterRef("pk"))))
        .annotate(
            invited_count=Count("referrals_made", filter=counted, distinct=True),
            flagged_count=Count(
                "referrals_made", filter=~Q(referrals_made__flag=""), distinct=True
            ),
            promotion_points=Subquery(points),
        )
        .order_by("-invited_count", "pk")[:limit]
    )


def public_ambassadors(*, community: Community, limit: int = 20) -> list[dict]:
    """The public leaderboard: active members with a nickname who have not opted out, shown
    by nickname and count only."""
    opted_out = AmbassadorSetting.objects.filter(member=OuterRef("pk"), public=False)
    rows = (
        Member.objects.filter(community=community, status=Member.Status.ACTIVE)
        .exclude(nickname="")
        .exclude(Exists(opted_out))
        .annotate(
            invited_count=Count(
                "referrals_made",
                filter=Q(
                    referrals_made__flag="", referrals_made__invited__status=Member.Status.ACTIVE
                ),
            )
        )  # fmt: skip
        .filter(invited_count__gt=0)
        .order_by("-invited_count", "pk")
        .values("nickname", "invited_count")[:limit]
    )
    return list(rows)


def is_public_ambassador(*, member: Member) -> bool:
    setting = AmbassadorSetting.objects.filter(member=member).first()
    return setting.public if setting else True


def member_referral_count(*, member: Member) -> int:
    return rewarded_referrals(Referral.objects.filter(referrer=member)).count()


def open_campaigns(*, community: Community) -> QuerySet:
    today = timezone.localdate()
    return Campaign.objects.filter(community=community, starts_on__lte=today, ends_on__gte=today)


def hashtags(*, community: Community) -> list[str]:
    return list(
        Tag.objects.filter(community=community, kind=Tag.Kind.HASHTAG, is_active=True)
        .order_by("position", "name")
        .values_list("name", flat=True)
    )


def promotion_points(*, member: Member) -> int:
    total = Engagement.objects.filter(member=member, kind=Kind.PROMOTION).aggregate(
        total=Sum("points")
    )["total"]
    return total or 0
