"""Eligibility, limits, visits and usage rewards, with the clock stopped where it matters."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from enishi.ledger.models import Engagement, Kind
from enishi.ledger.services import engagement_record
from enishi.members.services import member_withdraw
from enishi.shops import services
from enishi.shops.models import Benefit, Redemption, RewardAchievement, UsageReward, Visit
from enishi.shops.selectors import benefit_statuses
from tests.factories import CommunityFactory, MemberFactory

from .factories import BenefitFactory, RewardFactory, ShopFactory, SpotFactory, clerk, frozen

JST = ZoneInfo("Asia/Tokyo")
F = Benefit.Frequency
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


def redeem(benefit, member, by=None):
    return services.redemption_record(
        shop=benefit.shop, benefit_id=benefit.pk, member=member, by=by
    )


def refused(benefit, member) -> str:
    with pytest.raises(services.RedemptionRefused) as info:
        redeem(benefit, member)
    return info.value.reason


def test_once_means_once(monkeypatch):
    benefit = BenefitFactory(frequency=F.ONCE)
    member = MemberFactory()
    frozen(monkeypatch, at(2026, 5, 10, 10))
    redeem(benefit, member)
    frozen(monkeypatch, at(2027, 1, 3, 10))
    assert refused(benefit, member) == "used_once"
    assert Redemption.objects.filter(member=member).count() == 1


def test_once_a_day_turns_over_at_midnight_in_japan(monkeypatch):
    benefit = BenefitFactory(frequency=F.DAILY)
    member = MemberFactory()
    frozen(monkeypatch, at(2026, 5, 10, 0, 10))  # 5/9 15:10 UTC
    redeem(benefit, member)
    frozen(monkeypatch, at(2026, 5, 10, 23, 59))
    assert refused(benefit, member) == "used_today"
    frozen(monkeypatch, at(2026, 5, 11, 0, 0))
    redeem(benefit, member)
    assert Redemption.objects.filter(member=member).count() == 2


def test_once_a_month_cannot_be_used_twice_in_a_month(monkeypatch):
    benefit = BenefitFactory(frequency=F.MONTHLY)
    member = MemberFactory()
    frozen(monkeypatch, at(2026, 5, 1, 9))
    redeem(benefit, member)
    frozen(monkeypatch, at(2026, 5, 31, 23, 30))
    assert refused(benefit, member) == "used_this_month"
    frozen(monkeypatch, at(2026, 6, 1, 0, 5))
    redeem(benefit, member)
    # Another member is not limited by the first one's use.
    redeem(benefit, MemberFactory())
    assert Redemption.objects.filter(benefit=benefit).count() == 3


def test_unlimited_benefits_can_be_used_again_and_again():
    benefit = BenefitFactory(frequency=F.UNLIMITED)
    member = MemberFactory()
    for _ in range(3):
        redeem(benefit, member)
    assert Redemption.objects.filter(member=member).count() == 3


def test_rank_threshold(community):
    chunin = community.ranks.order_by("min_points")[1]
    benefit = BenefitFactory(min_rank=chunin)
    member = MemberFactory()
    assert refused(benefit, member) == "rank"
    engagement_record(member=member, kind=Kind.KNOWLEDGE, points=chunin.min_points)
    for _ in range(chunin.min_attendances_12m):  # 中忍 and up also need attendances
        engagement_record(member=member, kind=Kind.LOCAL_ACTIVITY, points=0,
                          source_type="activity_session", source_id=MemberFactory().pk)  # fmt: skip
    redeem(benefit, member)


def test_valid_period(monkeypatch):
    benefit = BenefitFactory(valid_from=date(2026, 4, 1), valid_until=date(2026, 4, 30))
    member = MemberFactory()
    frozen(monkeypatch, at(2026, 3, 31, 23, 59))
    assert refused(benefit, member) == "not_started"
    frozen(monkeypatch, at(2026, 5, 1, 0, 0))
    assert refused(benefit, member) == "ended"
    frozen(monkeypatch, at(2026, 4, 30, 23, 59))
    redeem(benefit, member)


def test_a_shop_deactivated_mid_day_honours_nothing_more():
    benefit = BenefitFactory()
    member = MemberFactory()
    redeem(benefit, member)
    benefit.shop.is_active = False
    benefit.shop.save()
    assert refused(benefit, member) == "shop_inactive"
    assert benefit_statuses(member=member, benefits=[benefit])[0].reason == "shop_inactive"


def test_a_paused_benefit_and_another_shops_benefit_are_refused():
    benefit = BenefitFactory(is_active=False)
    other = BenefitFactory()
    member = MemberFactory()
    assert refused(benefit, member) == "inactive"
    with pytest.raises(services.RedemptionRefused) as info:
        services.redemption_record(shop=benefit.shop, benefit_id=other.pk, member=member, by=None)
    assert info.value.reason == "other_shop"


def test_a_withdrawn_member_cannot_redeem():
    benefit = BenefitFactory()
    member = MemberFactory()
    member_withdraw(member=member)
    assert refused(benefit, member) == "member_inactive"


def test_a_redemption_writes_one_visit_to_the_ledger():
    benefit = BenefitFactory(title="10%引き", shop__name="伊賀焼の窯元 長谷園")
    member = MemberFactory()
    user = clerk(benefit.shop)
    redemption = redeem(benefit, member, by=user)
    entry = Engagement.objects.get(member=member, source_type=services.REDEMPTION_SOURCE)
    assert entry.source_id == redemption.pk
    assert entry.kind == Kind.VISIT
    assert entry.points == 5  # 伊賀衆's rule for visits
    assert entry.note == "伊賀焼の窯元 長谷園：10%引き"
    assert entry.created_by == user
    assert redemption.redeemed_by == user
    redeem(benefit, member)
    assert Engagement.objects.filter(member=member, kind=Kind.VISIT).count() == 2


def test_a_spot_counts_once_a_day_with_points(monkeypatch):
    spot = SpotFactory()
    member = MemberFactory()
    frozen(monkeypatch, at(2026, 8, 13, 9))
    first = services.visit_record(spot=spot, member=member)
    assert first.outcome == "recorded" and first.points == 5
    frozen(monkeypatch, at(2026, 8, 13, 21))
    assert services.visit_record(spot=spot, member=member).outcome == "already"
    frozen(monkeypatch, at(2026, 8, 14, 8))
    assert services.visit_record(spot=spot, member=member).outcome == "recorded"
    assert Visit.objects.filter(member=member).count() == 2
    entries = Engagement.objects.filter(member=member, source_type=services.VISIT_SOURCE)
    assert entries.count() == 2


def test_a_spot_may_give_its_own_points_and_a_paused_spot_none():
    member = MemberFactory()
    assert services.visit_record(spot=SpotFactory(points=20), member=member).points == 20
    paused = SpotFactory(is_active=False)
    assert services.visit_record(spot=paused, member=member).outcome == "inactive"
    assert not Visit.objects.filter(spot=paused).exists()


def test_spot_tokens(community):
    spot = SpotFactory()
    token = services.spot_token(spot=spot)
    assert services.spot_from_token(token=token, community=community) == spot
    assert services.spot_from_token(token=token[:-2] + "xx", community=community) is None
    assert services.spot_from_token(token=token, community=CommunityFactory()) is None
    services.spot_renew_key(spot=spot)
    assert services.spot_from_token(token=token, community=community) is None  # old poster
    assert services.spot_from_token(token=services.spot_token(spot=spot), community=community)


def test_reaching_a_visit_reward_is_recorded_and_mailed_once():
    reward = RewardFactory(rule=UsageReward.Rule.VISITS_12M, threshold=3)
    member = MemberFactory()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.visit_record(spot=SpotFactory(), member=member)
        redeem(BenefitFactory(), member)
    assert not RewardAchievement.objects.exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.visit_record(spot=SpotFactory(), member=member)
        services.visit_record(spot=SpotFactory(), member=member)
    achievement = RewardAchievement.objects.get()
    assert achievement.reward == reward and achievement.member == member
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.user.email]
    assert "伊賀通いの記念品" in mail.outbox[0].subject
    assert "伊賀焼の豆皿" in mail.outbox[0].body


def test_distinct_shops_reward_and_a_rule_added_later(community):
    member = MemberFactory()
    shops_benefits = [BenefitFactory(), BenefitFactory(), BenefitFactory()]
    for benefit in shops_benefits[:2]:
        redeem(benefit, member)
        redeem(benefit, member)  # the same shop twice still counts once
    reward = RewardFactory(rule=UsageReward.Rule.DISTINCT_SHOPS, threshold=3,
                           name="協力店めぐり", reward="認定証")  # fmt: skip
    assert services.rewards_check_all(community=community) == 0
    redeem(shops_benefits[2], member)
    assert RewardAchievement.objects.filter(reward=reward, member=member).count() == 1
    # A rule created afterwards finds the members who already reach it.
    later = RewardFactory(rule=UsageReward.Rule.DISTINCT_SHOPS, threshold=2, name="はじめの二軒")
    assert services.rewards_check_all(community=community) == 1
    assert services.rewards_check_all(community=community) == 0
    achievement = RewardAchievement.objects.get(reward=later)
    staff = clerk(ShopFactory())
    services.achievement_hand_over(achievement=achievement, by=staff)
    first_time = achievement.handed_over_at
    services.achievement_hand_over(achievement=achievement, by=None)
    achievement.refresh_from_db()
    assert achievement.handed_over_at == first_time and achievement.handed_over_by == staff


def test_member_numbers_typed_by_hand(community):
    member = MemberFactory(number=f"{community.member_number_prefix}-000123")
    assert services.find_member_by_number(community=community, number="１２３") == member
    assert services.find_member_by_number(community=community, number=member.number.lower())
    assert services.find_member_by_number(community=community, number="") is None
    assert services.find_member_by_number(community=CommunityFactory(), number="123") is None


def test_the_daily_command_finds_members_reaching_a_rule(community):
    member = MemberFactory()
    for _ in range(2):
        services.visit_record(spot=SpotFactory(), member=member)
    RewardAchievement.objects.all().delete()
    RewardFactory(threshold=2)  # added in the admin: nobody recorded yet
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("check_usage_rewards", stdout=io.StringIO())
    assert RewardAchievement.objects.filter(member=member).count() == 1
    assert len(mail.outbox) == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("check_usage_rewards", stdout=io.StringIO())
    assert len(mail.outbox) == 1
