"""Demo partner shops for 伊賀衆 (`enishi seed_demo`): Iga's kilns, sweet shops and eateries
with their benefits, visit spots, two usage rewards, some history, and a clerk login."""

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from enishi.communities.models import Community, StaffRole
from enishi.ledger.models import Kind
from enishi.ledger.services import engagement_record
from enishi.members.models import Member

from . import services
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

CLERK_EMAIL = "shop@iga.example.jp"
C = PartnerShop.Category
F = Benefit.Frequency

# (name, category, area, address, hours, lat, lng, description, [(benefit, frequency, rank)])
SHOPS = [
    ("伊賀焼の窯元 丸柱窯", C.CRAFT, "阿山", "三重県伊賀市丸柱", "9:00〜17:00（水曜休み）",
     34.8362, 136.1829, "登り窯の残る丸柱で、土鍋と器をつくる窯元。絵付け体験もできます。",
     [("絵付け体験500円引き", F.MONTHLY, None), ("豆皿ひとつ進呈", F.ONCE, "中忍")]),
    ("和菓子処 かたやき庵", C.SWEETS, "上野", "三重県伊賀市上野東町", "8:30〜18:00",
     34.7701, 136.1334, "忍者の携帯食だったといわれる、かたいかたやきの店。",
     [("かたやき1枚進呈", F.DAILY, None)]),
    ("忍者の里の食堂", C.FOOD, "上野", "三重県伊賀市上野丸之内", "11:00〜15:00",
     34.7693, 136.1265, "伊賀上野城のそばの食堂。伊賀米と地元野菜の定食。",
     [("ドリンク1杯サービス", F.DAILY, None), ("定食大盛り無料", F.UNLIMITED, "下忍")]),
    ("伊賀牛の店 上野", C.FOOD, "上野", "三重県伊賀市上野中町", "11:30〜14:00、17:00〜21:00",
     34.7712, 136.1301, "伊賀牛のすき焼きと焼肉。",
     [("会計から10%引き", F.MONTHLY, "下忍")]),
    ("伊賀の酒蔵", C.SAKE, "上野", "三重県伊賀市上野福居町", "9:00〜17:00",
     34.7675, 136.1352, "伊賀の米と水で仕込む酒蔵。試飲ができます。",
     [("利き酒3種無料", F.MONTHLY, None)]),
    ("伊賀くみひも工房", C.CRAFT, "上野", "三重県伊賀市上野小玉町", "10:00〜16:00",
     34.7688, 136.1318, "組紐のストラップづくり体験。",
     [("体験にもう1本追加", F.ONCE, None)]),
    ("島ヶ原の湯", C.BATH, "島ヶ原", "三重県伊賀市島ヶ原", "10:00〜21:00（火曜休み）",
     34.7392, 136.0577, "木津川沿いの日帰り温泉。",
     [("入浴料100円引き", F.UNLIMITED, None)]),
    ("青山高原のカフェ", C.FOOD, "青山", "三重県伊賀市勝地", "10:00〜17:00（冬期は土日のみ）",
     34.6532, 136.2297, "風車の見える高原のカフェ。",
     [("焼き菓子ひとつサービス", F.DAILY, None)]),
    ("大山田の直売所", C.SOUVENIR, "大山田", "三重県伊賀市平田", "8:00〜15:00",
     34.7598, 136.2317, "朝どれの野菜と伊賀米。",
     [("伊賀米300gプレゼント", F.MONTHLY, "下忍")]),
    ("伊賀市観光の宿", C.LODGING, "伊賀", "三重県伊賀市柘植町", "チェックイン15:00",
     34.8281, 136.2436, "芭蕉ゆかりの柘植の宿。",
     [("朝食無料", F.UNLIMITED, "中忍")]),
]  # fmt: skip

# (name, kind, description, lat/lng not needed: the poster carries the place)
SPOTS = [
    ("上野市駅", VisitSpot.Kind.STATION, "伊賀鉄道・上野市駅の改札前"),
    ("伊賀流忍者博物館", VisitSpot.Kind.MUSEUM, "上野公園内。受付の横に掲示"),
    ("だんじり会館", VisitSpot.Kind.MUSEUM, "上野天神祭のだんじりを展示"),
    ("芭蕉翁記念館", VisitSpot.Kind.MUSEUM, "松尾芭蕉の資料館"),
    ("島ヶ原駅", VisitSpot.Kind.STATION, "JR関西本線"),
]


@dataclass
class ShopSeed:
    shops_created: int
    clerk_email: str
    clerk_password: str


def _past_redemption(benefit: Benefit, member: Member, when, clerk) -> None:
    redemption = Redemption.objects.create(
        community_id=member.community_id, shop=benefit.shop, benefit=benefit, member=member,
        redeemed_at=when, redeemed_by=clerk,
    )  # fmt: skip
    engagement_record(member=member, kind=Kind.VISIT, source_type=services.REDEMPTION_SOURCE,
                      source_id=redemption.pk, occurred_at=when, created_by=clerk,
                      note=f"{benefit.shop.name}：{benefit.title}"[:200])  # fmt: skip


def _past_visit(spot: VisitSpot, member: Member, when) -> None:
    visit, created = Visit.objects.get_or_create(
        spot=spot, member=member, visited_on=timezone.localdate(when),
        defaults={"community_id": member.community_id, "visited_at": when},
    )  # fmt: skip
    if created:
        engagement_record(member=member, kind=Kind.VISIT, source_type=services.VISIT_SOURCE,
                          source_id=visit.pk, occurred_at=when, note=spot.name)  # fmt: skip


def seed_shops(*, community: Community, seed: int, demo_member: Member, ensure_login) -> ShopSeed:
    """Create the demo shops once (a second run leaves them as they are), and (re)set the
    clerk's login with a fresh password."""
    rng = random.Random(seed + 6)
    ranks = {rank.name: rank for rank in community.ranks.all()}
    created = 0
    shops = []
    for name, category, area, address, hours, lat, lng, description, benefits in SHOPS:
        shop, new = PartnerShop.objects.get_or_create(
            community=community, name=name,
            defaults={"category": category, "area": area, "address": address,
                      "opening_hours": hours, "latitude": f"{lat:.6f}",
                      "longitude": f"{lng:.6f}", "description": description},
        )  # fmt: skip
        shops.append(shop)
        if new:
            created += 1
            for title, frequency, rank in benefits:
                Benefit.objects.create(community=community, shop=shop, title=title,
                                       frequency=frequency, min_rank=ranks.get(rank))  # fmt: skip
    spots = []
    for name, kind, description in SPOTS:
        spot, _ = VisitSpot.objects.get_or_create(
            community=community, name=name, defaults={"kind": kind, "description": description}
        )
        spots.append(spot)
    kiln = shops[0]
    shop_spot, _ = VisitSpot.objects.get_or_create(
        community=community, name=f"{kiln.name}の店頭",
        defaults={"kind": VisitSpot.Kind.SHOP, "shop": kiln},
    )  # fmt: skip
    spots.append(shop_spot)
    for name, rule, threshold, reward in [
        ("伊賀通いの記念品", UsageReward.Rule.VISITS_12M, 5, "伊賀焼の豆皿"),
        ("協力店めぐり", UsageReward.Rule.DISTINCT_SHOPS, 3, "伊賀衆 協力店めぐり認定証"),
    ]:
        UsageReward.objects.get_or_create(
            community=community, name=name,
            defaults={"rule": rule, "threshold": threshold, "reward": reward},
        )  # fmt: skip

    password = secrets.token_urlsafe(9)
    clerk = ensure_login(CLERK_EMAIL, password)
    StaffRole.objects.update_or_create(
        user=clerk, community=community, defaults={"role": StaffRole.Role.SHOP, "organizer": None}
    )
    ShopStaff.objects.update_or_create(user=clerk, community=community, defaults={"shop": kiln})

    if created:
        _history(rng, community, shops, spots, demo_member, clerk)
    return ShopSeed(shops_created=created, clerk_email=CLERK_EMAIL, clerk_password=password)


def _history(rng, community, shops, spots, demo_member, clerk) -> None:
    """Some members have been using their cards over the last ten months."""
    now = timezone.now()
    benefits = list(Benefit.objects.filter(community=community, min_rank__isnull=True))
    active = Member.objects.filter(community=community, status=Member.Status.ACTIVE)
    regulars = list(active.exclude(pk=demo_member.pk).order_by("pk")[:400])
    regulars = rng.sample(regulars, min(60, len(regulars)))
    for member in regulars:
        for _ in range(rng.randint(1, 7)):
            when = now - timedelta(days=rng.randint(1, 300), hours=rng.randint(0, 8))
            if member.joined_at and when < member.joined_at:
                continue
            if rng.random() < 0.6:
                _past_redemption(rng.choice(benefits), member, when, clerk)
            else:
                _past_visit(rng.choice(spots), member, when)
    # The demo member: two shops and two spots, so /me/ has a history.
    for days, benefit in ((40, benefits[1]), (12, benefits[3])):
        _past_redemption(benefit, demo_member, now - timedelta(days=days), clerk)
    for days, spot in ((40, spots[0]), (12, spots[1])):
        _past_visit(spot, demo_member, now - timedelta(days=days, hours=2))
    # Who has reached a reward (staff will see them waiting; seeding mails no one).
    for reward in UsageReward.objects.filter(community=community):
        RewardAchievement.objects.bulk_create(
            [RewardAchievement(reward=reward, member=m) for m in
             services.qualifying_members(reward=reward).exclude(pk=demo_member.pk)],
            ignore_conflicts=True,
        )  # fmt: skip
