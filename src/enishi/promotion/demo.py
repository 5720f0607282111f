"""Demo promotion data for 伊賀衆: ambassadors with referrals (one flagged), two campaigns and
members' SNS submissions in every state, written as the services would have left them (the
ledger entries included); no mail is sent. Seeded once per community."""

import random
from datetime import date, timedelta

from django.utils import timezone

from enishi.communities.models import Community
from enishi.ledger.models import Engagement, Kind, PointsRule
from enishi.members.models import Member

from .models import Campaign, PostSubmission, Referral
from .services import platform_of, url_key

POSTS = [
    ("https://x.com/iga_kunoichi/status/1859000000000000001", "上野城の紅葉が見頃でした。"),
    ("https://www.instagram.com/p/IgaAki2026a/", "伊賀焼の土鍋で新米を炊きました。"),
    ("https://note.com/iga_fan/n/n1a2b3c4d5e6f", "伊賀に通って1年、感じたこと"),
    ("https://www.youtube.com/watch?v=IgaNinja01", "忍者屋敷の仕掛けを紹介する動画です。"),
    ("https://www.facebook.com/iga.fan/posts/1001", "天神祭の鬼行列を見てきました。"),
    ("https://x.com/tokyo_igashu/status/1859000000000000002", "東京の交流会で伊賀の話をしました。"),
    ("https://iga-blog.example.jp/2026/10/kumihimo", "組紐体験のレポートを書きました。"),
    ("https://www.instagram.com/p/IgaAki2026b/", "赤目四十八滝の朝。"),
    ("https://x.com/iga_kunoichi/status/1859000000000000003", "伊賀牛、最高でした。"),
    ("https://note.com/iga_fan/n/n9z8y7x6w5v4u", "ふるさと納税で伊賀を応援した話"),
    ("https://www.youtube.com/watch?v=IgaAki0002", "伊賀の秋まつり 2026"),
    ("https://x.com/nabari_iga/status/1859000000000000004", "#ええやん伊賀 の投稿まとめ"),
]


def seed_promotion(*, community: Community, seed: int = 2026, demo_member: Member | None):
    if Campaign.objects.filter(community=community).exists():
        return
    rng = random.Random(f"{seed}-promotion")
    now = timezone.now()
    today = timezone.localdate()
    points = dict(
        PointsRule.objects.filter(community=community).values_list("kind", "points")
    )
    promotion_points = points.get(Kind.PROMOTION, 0)
    active = list(
        Member.objects.filter(community=community, status=Member.Status.ACTIVE)
        .exclude(pk=getattr(demo_member, "pk", None))
        .order_by("pk")
    )
    if len(active) < 20:
        return
    entries = []
    # Referrals: a few ambassadors invited some of the members who joined after them.
    by_joining = sorted(active, key=lambda m: (m.joined_at, m.pk))
    ambassadors = rng.sample(by_joining[: len(active) // 2], min(8, len(active) // 20))
    if demo_member is not None and demo_member.status == Member.Status.ACTIVE:
        ambassadors.insert(0, demo_member)
    taken = {a.pk for a in ambassadors}
    referrals = []
    for ambassador in ambassadors:
        later = [m for m in by_joining if m.joined_at > ambassador.joined_at and m.pk not in taken]
        for invited in rng.sample(later, min(len(later), rng.randint(1, 5))):
            taken.add(invited.pk)
            referrals.append(Referral(community=community, referrer=ambassador, invited=invited,
                                      created_at=invited.created_at))  # fmt: skip
            entries.append(Engagement(
                community=community, member=ambassador, kind=Kind.PROMOTION,
                source_type="referral_verified", source_id=invited.pk, points=promotion_points,
                occurred_at=invited.joined_at or now, note="紹介した方の登録",
            ))  # fmt: skip
    if referrals:
        referrals[-1].flag = Referral.Flag.MASS  # one for staff to look at, not rewarded
        entries = [e for e in entries if e.source_id != referrals[-1].invited_id]
    Referral.objects.bulk_create(referrals)
    for referral in referrals:
        Member.objects.filter(pk=referral.invited_id).update(referred_by=referral.referrer)

    autumn = Campaign.objects.create(
        community=community, title="伊賀の秋を投稿しよう", hashtag="#伊賀の秋",
        description="紅葉、新米、秋祭り。あなたが見つけた伊賀の秋を投稿してください。"
        "承認された投稿には20ポイント。",
        starts_on=today - timedelta(days=40), ends_on=today + timedelta(days=20), points=20,
    )  # fmt: skip
    ninja_day = date(today.year if today.month > 2 else today.year - 1, 2, 22)
    Campaign.objects.create(
        community=community, title="忍者の日に投稿しよう", hashtag="#伊賀流忍者",
        description="2月22日は忍者の日。忍者にまつわる伊賀の写真や体験を投稿してください。",
        starts_on=ninja_day - timedelta(days=14), ends_on=ninja_day, points=None,
    )  # fmt: skip
    posters = rng.sample(active, min(len(active), len(POSTS)))
    statuses = [PostSubmission.Status.APPROVED] * 6 + [PostSubmission.Status.PENDING] * 5 + [
        PostSubmission.Status.REJECTED
    ]
    for n, ((url, text), member, status) in enumerate(zip(POSTS, posters, statuses, strict=True)):
        created = now - timedelta(days=len(POSTS) - n, hours=rng.randint(0, 20))
        campaign = autumn if n % 2 == 0 else None
        post = PostSubmission.objects.create(
            community=community, member=member, campaign=campaign, url=url, url_key=url_key(url),
            platform=platform_of(url), hashtag=campaign.hashtag if campaign else "#ええやん伊賀",
            text=text, status=status, created_at=created,
            reviewed_at=None if status == PostSubmission.Status.PENDING
            else created + timedelta(hours=6),
            review_note="ありがとうございます！" if status == PostSubmission.Status.APPROVED
            else ("伊賀に関係する投稿ではありませんでした" if status == "rejected" else ""),
        )  # fmt: skip
        if status == PostSubmission.Status.APPROVED:
            entries.append(Engagement(
                community=community, member=member, kind=Kind.PROMOTION,
                source_type="post_submission", source_id=post.pk,
                points=campaign.points if campaign else promotion_points,
                occurred_at=post.reviewed_at,
                note=campaign.title if campaign else post.get_platform_display(),
            ))  # fmt: skip
    Engagement.objects.bulk_create(entries)
