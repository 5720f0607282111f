"""Writes for partner shops: redemptions at the counter, visits at spots, usage rewards.

A redemption and a visit each lock the member's row first, so two clerks tapping at once (or
one member scanning a poster twice) are served one after the other: the second sees the first
and is refused by the limit. Each writes one `visit` entry to the ledger (source
`shop_redemption` / `spot_visit`, once per row).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from enishi.activities.mails import absolute_url
from enishi.communities.models import Community
from enishi.core.tasks import send_email
from enishi.core.text import to_half_width_ascii
from enishi.ledger.models import Engagement, Kind
from enishi.ledger.services import engagement_record
from enishi.members.models import Member

from .models import (
    Benefit,
    PartnerShop,
    Redemption,
    RewardAchievement,
    ShopStaff,
    UsageReward,
    Visit,
    VisitSpot,
)
from .selectors import REASONS, benefit_statuses

REDEMPTION_SOURCE = "shop_redemption"
VISIT_SOURCE = "spot_visit"
SPOT_SALT = "enishi.shops.spot"

# ------------------------------------------------------------------------------- the counter


def shop_of_clerk(*, user, community: Community) -> PartnerShop | None:
    post = (
        ShopStaff.objects.select_related("shop").filter(user=user, community=community).first()
        if user.is_authenticated
        else None
    )
    return post.shop if post else None


def find_member_by_number(*, community: Community, number: str) -> Member | None:
    """A member number typed by hand: 全角 and lower case are fine, the prefix may be left out."""
    number = to_half_width_ascii(number).strip().upper()[:20]
    if not number:
        return None
    if number.isascii() and number.isdigit():
        number = f"{community.member_number_prefix}-{int(number):06d}"
    return Member.objects.filter(community=community, number=number).first()


class RedemptionRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self):
        return REASONS[self.reason]


def redemption_record(*, shop: PartnerShop, benefit_id: int, member: Member, by) -> Redemption:
    """Record that a member used one of the shop's benefits now. Refused (RedemptionRefused)
    when the benefit is not the shop's or not usable now; the limits are checked under a lock
    on the member's row, so two clerks tapping at once record one redemption."""
    with transaction.atomic():
        member = Member.objects.select_for_update().select_related("community").get(pk=member.pk)
        benefit = (
            Benefit.objects.select_related("shop", "min_rank")
            .filter(pk=benefit_id, shop=shop)
            .first()
        )
        if benefit is None:
            raise RedemptionRefused("other_shop")
        (status,) = benefit_statuses(member=member, benefits=[benefit])
        if not status.usable:
            raise RedemptionRefused(status.reason)
        redemption = Redemption.objects.create(
            community_id=member.community_id,
            redeemed_at=timezone.now(),
            shop=benefit.shop,
            benefit=benefit,
            member=member,
            redeemed_by=by,
        )
        engagement_record(
            member=member,
            kind=Kind.VISIT,
            source_type=REDEMPTION_SOURCE,
            source_id=redemption.pk,
            occurred_at=redemption.redeemed_at,
            note=f"{benefit.shop.name}：{benefit.title}"[:200],
            created_by=by,
        )
        rewards_check_member(member=member)
    return redemption


# ------------------------------------------------------------------------------- visit spots


def spot_token(*, spot: VisitSpot) -> str:
    """What a spot's poster QR code carries: the spot and its key, signed (no expiry; a new
    key retires the printed posters)."""
    return signing.dumps({"s": spot.pk, "k": spot.key}, salt=SPOT_SALT)


def spot_from_token(*, token: str, community: Community) -> VisitSpot | None:
    try:
        data = signing.loads(token, salt=SPOT_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    return VisitSpot.objects.filter(
        pk=data["s"], key=str(data.get("k")), community=community
    ).first()


def spot_renew_key(*, spot: VisitSpot) -> VisitSpot:
    spot.key = VisitSpot._meta.get_field("key").default()
    spot.save(update_fields=["key"])
    return spot


@dataclass(frozen=True)
class VisitResult:
    outcome: str  # "recorded", "already", "inactive", "member_inactive"
    visit: Visit | None = None
    points: int = 0


def visit_record(*, spot: VisitSpot, member: Member, now=None) -> VisitResult:
    """A member scanned a spot's poster: one visit per spot and day, with points."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        member = Member.objects.select_for_update().select_related("community").get(pk=member.pk)
        if member.status != Member.Status.ACTIVE:
            return VisitResult("member_inactive")
        spot = VisitSpot.objects.get(pk=spot.pk)
        if not spot.is_active or member.community_id != spot.community_id:
            return VisitResult("inactive")
        existing = Visit.objects.filter(spot=spot, member=member, visited_on=today).first()
        if existing:
            return VisitResult("already", existing)
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    community_id=spot.community_id, spot=spot, member=member,
                    visited_on=today, visited_at=now,
                )  # fmt: skip
        except IntegrityError:  # the unique constraint, should the lock ever be bypassed
            return VisitResult("already")
        entry = engagement_record(
            member=member,
            kind=Kind.VISIT,
            source_type=VISIT_SOURCE,
            source_id=visit.pk,
            points=spot.points,
            occurred_at=now,
            note=spot.name[:200],
        )
        rewards_check_member(member=member)
    return VisitResult("recorded", visit, entry.points if entry else 0)


# ------------------------------------------------------------------------------- usage rewards


def _visits_12m_filter(prefix: str = "") -> Q:
    since = timezone.now() - timedelta(days=365)
    return Q(
        **{
            f"{prefix}kind": Kind.VISIT,
            f"{prefix}occurred_at__gte": since,
            f"{prefix}corrects__isnull": True,
            f"{prefix}corrections__isnull": True,
        }
    )


def qualifying_members(*, reward: UsageReward):
    """Members of the reward's community who reach it now (one query)."""
    members = Member.objects.filter(community_id=reward.community_id, status=Member.Status.ACTIVE)
    if reward.rule == UsageReward.Rule.VISITS_12M:
        members = members.annotate(
            reached=Count("engagements", filter=_visits_12m_filter("engagements__"))
        )
    else:
        members = members.annotate(reached=Count("redemptions__shop", distinct=True))
    return members.filter(reached__gte=reward.threshold)


def _member_figures(member: Member) -> dict[str, int]:
    return {
        UsageReward.Rule.VISITS_12M: Engagement.objects.filter(member=member)
        .filter(_visits_12m_filter())
        .count(),
        UsageReward.Rule.DISTINCT_SHOPS: Redemption.objects.filter(member=member)
        .values("shop")
        .distinct()
        .count(),
    }


def _achieve(reward: UsageReward, member: Member) -> RewardAchievement | None:
    try:
        with transaction.atomic():
            achievement = RewardAchievement.objects.create(reward=reward, member=member)
    except IntegrityError:
        return None  # reached before (or meanwhile): the member is told once
    _reward_mail(achievement)
    return achievement


def rewards_check_member(*, member: Member) -> list[RewardAchievement]:
    """After a visit or redemption: record (and mail) any reward the member has just reached."""
    rewards = list(
        UsageReward.objects.filter(community_id=member.community_id, is_active=True).exclude(
            achievements__member=member
        )
    )
    if not rewards:
        return []
    figures = _member_figures(member)
    reached = [r for r in rewards if figures[r.rule] >= r.threshold]
    return [a for r in reached if (a := _achieve(r, member))]


def rewards_check_all(*, community: Community) -> int:
    """Every active rule against every member (a new rule, or the daily job): how many
    achievements were recorded."""
    created = 0
    for reward in UsageReward.objects.filter(community=community, is_active=True):
        members = qualifying_members(reward=reward).exclude(
            pk__in=reward.achievements.values("member")
        )
        for member in members.select_related("user", "community"):
            created += _achieve(reward, member) is not None
    return created


def _reward_mail(achievement: RewardAchievement) -> None:
    member = achievement.member
    user = member.user
    if user is None or not user.email:
        return
    community = member.community
    context = {
        "community": community,
        "member": member,
        "reward": achievement.reward,
        "me_url": absolute_url(community, reverse("members:me")),
    }
    subject = render_to_string("shops/mail/reward_subject.txt", context).strip()
    kwargs = {
        "subject": f"[{community.name}] {subject}",
        "body": render_to_string("shops/mail/reward.txt", context),
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "to": [user.email],
    }
    transaction.on_commit(lambda: send_email.enqueue(**kwargs))


def achievement_hand_over(*, achievement: RewardAchievement, by) -> RewardAchievement:
    """Staff handed the reward over (once; a second click changes nothing)."""
    updated = RewardAchievement.objects.filter(
        pk=achievement.pk, handed_over_at__isnull=True
    ).update(handed_over_at=timezone.now(), handed_over_by=by)
    if updated:
        achievement.refresh_from_db()
    return achievement


# ------------------------------------------------------------------------------- shop staff


@transaction.atomic
def shop_clerk_add(*, shop: PartnerShop, email: str, by, ip_address: str | None):
    """Give a login (created when new, signing in by mailed code) the shop staff role for this
    shop. Refused (ValueError) for a login that already has another staff role here. The role
    change is audited like any other."""
    from enishi.communities.models import StaffRole
    from enishi.communities.services import audit_role_change, staff_login_for

    user, _created = staff_login_for(email)
    role = StaffRole.objects.filter(user=user, community=shop.community).first()
    if role is not None and role.role != StaffRole.Role.SHOP:
        raise ValueError("other_role")
    before = ShopStaff.objects.filter(user=user, community=shop.community).first()
    if role is None:
        role = StaffRole.objects.create(
            user=user, community=shop.community, role=StaffRole.Role.SHOP
        )
    ShopStaff.objects.update_or_create(user=user, community=shop.community, defaults={"shop": shop})
    if before is None or before.shop_id != shop.pk:
        audit_role_change(staff=role, by=by, ip_address=ip_address,
                          before=f"shop:{before.shop.name}" if before else "",
                          after=f"shop:{shop.name}")  # fmt: skip
    return user


@transaction.atomic
def shop_clerk_remove(*, shop: PartnerShop, user, by, ip_address: str | None) -> None:
    from enishi.communities.models import StaffRole
    from enishi.communities.services import audit_role_change

    if not ShopStaff.objects.filter(user=user, shop=shop).delete()[0]:
        return
    role = StaffRole.objects.filter(
        user=user, community=shop.community, role=StaffRole.Role.SHOP
    ).first()
    if role is not None:
        audit_role_change(staff=role, by=by, ip_address=ip_address,
                          before=f"shop:{shop.name}", after="")  # fmt: skip
        role.delete()
