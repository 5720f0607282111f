"""Reads for partner shops, shared by the public list, the counter, /me/ and the card."""

from dataclasses import dataclass

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community
from enishi.ledger.selectors import member_standing
from enishi.members.models import Member

from .models import Benefit, PartnerShop, Redemption, Visit


def current_benefits(today=None) -> QuerySet[Benefit]:
    """Benefits offered today (active, inside their period); the shop is checked by callers."""
    today = today or timezone.localdate()
    return (
        Benefit.objects.filter(is_active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("min_rank")
    )


def public_shops(*, community: Community, category: str = "", area: str = "") -> QuerySet:
    """Shops on the public list, each with the benefits offered today (two queries)."""
    shops = PartnerShop.objects.filter(community=community, is_active=True)
    if category:
        shops = shops.filter(category=category)
    if area:
        shops = shops.filter(area=area)
    return shops.order_by("area", "name").prefetch_related(
        Prefetch("benefits", queryset=current_benefits().order_by("pk"), to_attr="offered")
    )


def shop_areas(*, community: Community) -> list[str]:
    return list(
        PartnerShop.objects.filter(community=community, is_active=True)
        .order_by("area")
        .values_list("area", flat=True)
        .distinct()
    )


def member_offered_benefits(*, member: Member) -> QuerySet[Benefit]:
    """Every benefit offered today by the community's active shops."""
    return (
        current_benefits()
        .filter(community_id=member.community_id, shop__is_active=True)
        .select_related("shop")
        .order_by("shop__area", "shop__name", "pk")
    )


def member_redemptions(*, member: Member, limit: int = 20) -> QuerySet[Redemption]:
    return Redemption.objects.filter(member=member).select_related("shop", "benefit")[:limit]


def member_visits(*, member: Member, limit: int = 20) -> QuerySet[Visit]:
    return Visit.objects.filter(member=member).select_related("spot")[:limit]


def shop_recent_redemptions(*, shop: PartnerShop, limit: int = 10) -> QuerySet[Redemption]:
    """Today's redemptions at a shop, for the counter: the benefit and time only."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Redemption.objects.filter(shop=shop, redeemed_at__gte=start)
        .select_related("benefit")
        .order_by("-redeemed_at")[:limit]
    )


REASONS = {
    "usable": _("使えます"),
    "shop_inactive": _("この協力店は現在、特典を提供していません。"),
    "inactive": _("この特典は現在提供されていません。"),
    "not_started": _("提供開始前です。"),
    "ended": _("提供期間が終わりました。"),
    "rank": _("ランクが足りません。"),
    "used_once": _("すでに利用済みです（1人1回まで）。"),
    "used_today": _("本日はすでに利用済みです（1日1回まで）。"),
    "used_this_month": _("今月はすでに利用済みです（1か月に1回まで）。"),
    "member_inactive": _("この会員証は現在使えません。"),
    "other_shop": _("この店の特典ではありません。"),
}


@dataclass(frozen=True)
class BenefitStatus:
    benefit: Benefit
    reason: str  # "usable" or why not

    @property
    def usable(self) -> bool:
        return self.reason == "usable"

    @property
    def message(self):
        return REASONS[self.reason]


def _reason(benefit: Benefit, *, member: Member, rank, last_used, today) -> str:
    if member.status != Member.Status.ACTIVE:
        return "member_inactive"
    if not benefit.shop.is_active:
        return "shop_inactive"
    if not benefit.is_active:
        return "inactive"
    if benefit.valid_from and today < benefit.valid_from:
        return "not_started"
    if benefit.valid_until and today > benefit.valid_until:
        return "ended"
    if benefit.min_rank_id and (rank is None or rank.min_points < benefit.min_rank.min_points):
        return "rank"
    if last_used is not None:
        used_on = timezone.localdate(last_used)
        frequency = benefit.frequency
        if frequency == Benefit.Frequency.ONCE:
            return "used_once"
        if frequency == Benefit.Frequency.DAILY and used_on == today:
            return "used_today"
        if frequency == Benefit.Frequency.MONTHLY and (used_on.year, used_on.month) == (
            today.year,
            today.month,
        ):
            return "used_this_month"
    return "usable"


def benefit_statuses(*, member: Member, benefits, rank=..., today=None) -> list[BenefitStatus]:
    """Whether the member can use each benefit today, and why not. Two queries (the member's
    standing unless given, and their last use of these benefits) however many benefits."""
    benefits = list(benefits)
    if not benefits:
        return []
    today = today or timezone.localdate()
    if rank is ...:
        rank = member_standing(member=member).rank
    last = dict(
        Redemption.objects.filter(member=member, benefit__in=[b.pk for b in benefits])
        .values("benefit")
        .annotate(last=Max("redeemed_at"))
        .values_list("benefit", "last")
    )
    return [
        BenefitStatus(
            benefit,
            _reason(benefit, member=member, rank=rank, last_used=last.get(benefit.pk), today=today),
        )
        for benefit in benefits
    ]


def member_shop_context(*, member: Member, rank) -> dict:
    """What /me/ shows of shops: the benefits usable now, and the member's redemptions and
    visits."""
    statuses = benefit_statuses(member=member, benefits=member_offered_benefits(member=member),
                                rank=rank)  # fmt: skip
    return {
        "usable_benefits": [s.benefit for s in statuses if s.usable],
        "redemptions": member_redemptions(member=member),
        "visits": member_visits(member=member),
    }


def card_shops(*, community: Community) -> list[PartnerShop]:
    """The shops listed under the member card (the active ones with benefits today)."""
    return [s for s in public_shops(community=community) if s.offered]
