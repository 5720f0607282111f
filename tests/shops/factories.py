import factory
from django.utils import timezone

from enishi.communities.models import Community, StaffRole
from enishi.shops.models import Benefit, PartnerShop, ShopStaff, UsageReward, VisitSpot
from tests.factories import UserFactory


def _iga() -> Community:
    return Community.objects.get(slug="iga")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerShop

    community = factory.LazyFunction(_iga)
    name = factory.Sequence(lambda n: f"伊賀焼の窯元 {n}")
    category = PartnerShop.Category.CRAFT
    area = "上野"
    address = "三重県伊賀市上野丸之内1"
    latitude = "34.768700"
    longitude = "136.130000"


class BenefitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Benefit

    shop = factory.SubFactory(ShopFactory)
    community = factory.LazyAttribute(lambda b: b.shop.community)
    title = factory.Sequence(lambda n: f"ドリンク1杯サービス {n}")
    frequency = Benefit.Frequency.UNLIMITED


class SpotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitSpot

    community = factory.LazyFunction(_iga)
    name = factory.Sequence(lambda n: f"伊賀上野駅 {n}")
    kind = VisitSpot.Kind.STATION


class RewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageReward

    community = factory.LazyFunction(_iga)
    name = "伊賀通いの記念品"
    rule = UsageReward.Rule.VISITS_12M
    threshold = 3
    reward = "伊賀焼の豆皿"


def clerk(shop: PartnerShop, **kwargs):
    """A login with the shop staff role, serving this shop (shop staff see no personal data,
    so they need no second factor)."""
    user = UserFactory(**kwargs)
    StaffRole.objects.create(user=user, community=shop.community, role=StaffRole.Role.SHOP)
    ShopStaff.objects.create(user=user, community=shop.community, shop=shop)
    return user


def frozen(monkeypatch, when):
    """Stop the clock at `when` (an aware datetime) for the code under test."""
    monkeypatch.setattr(timezone, "now", lambda: when)
