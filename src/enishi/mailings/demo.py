"""Demo mailings for 伊賀衆: saved segments, last month's newsletter as sent, next month's as a
scheduled draft. Called by `enishi seed_demo`; adds nothing that is already there."""

import random
from datetime import timedelta

from django.utils import timezone

from enishi.communities.models import Community

from .models import Delivery, Mailing, MailTopic, Segment, SuppressedAddress
from .selectors import mailing_recipients

SEGMENTS = [
    ("関西・東海の会員", "any", {"regions": ["kansai", "tokai"]}),
    ("半年以上関わりのない会員", "all", {"inactive_days": 180}),
    ("移住体験に関心のある20〜30代", "all",
     {"uses": ["migration_trial"], "age_bands": ["20", "30"]}),
]  # fmt: skip

SENT_SUBJECT = "伊賀衆だより 秋号：{nickname}さんへ"
SENT_BODY = """{nickname}さん、こんにちは。伊賀衆事務局です。

## 今月の伊賀
上野城の紅葉が見ごろを迎えました。伊賀焼の窯元では、冬の窯出しの準備が始まっています。

## あなたのランク
いまのランクは **{rank}**（{points}ポイント）です。

## 関西・東海から参加しやすい活動
名張・伊賀の里山で、棚田の草刈りや組紐体験を予定しています。詳しくはマイページから。

{mypage_url}
"""
DRAFT_SUBJECT = "冬の伊賀衆だより：{nickname}さんへ"
DRAFT_BODY = """{nickname}さん、こんにちは。

冬の伊賀では、忍者の里の雪景色と、伊賀焼の土鍋で囲む鍋が楽しみです。
会員番号 {member_number} のカードを提示すると、市内の協力店で特典があります。
"""


def seed_mailings(*, community: Community, staff, now=None) -> None:
    now = now or timezone.now()
    rng = random.Random(f"mailings-{community.pk}")
    segments = {}
    for name, match, conditions in SEGMENTS:
        segments[name], _ = Segment.objects.get_or_create(
            community=community, name=name,
            defaults={"match": match, "conditions": conditions, "created_by": staff},
        )  # fmt: skip
    topic = MailTopic.objects.filter(community=community).order_by("position").first()
    if topic is None or Mailing.objects.filter(community=community, journey__isnull=True).exists():
        return
    segment = segments["関西・東海の会員"]
    sent_at = now - timedelta(days=24)
    sent = Mailing.objects.create(
        community=community, topic=topic, segment=segment, subject=SENT_SUBJECT,
        body=SENT_BODY, status=Mailing.Status.SENT, queued_at=sent_at,
        finished_at=sent_at + timedelta(minutes=3), created_by=staff,
    )  # fmt: skip
    deliveries = []
    rows = mailing_recipients(mailing=sent).order_by("pk").values_list("pk", "user__email")
    for i, (member_id, email) in enumerate(rows):
        roll = rng.random()
        status = Delivery.Status.SENT
        error = ""
        if roll < 0.01:
            status, error = Delivery.Status.BOUNCED, "550 5.1.1 User unknown"
        elif roll < 0.015:
            status = Delivery.Status.SKIPPED
        deliveries.append(
            Delivery(
                mailing=sent, member_id=member_id, email=email, status=status, attempts=1,
                next_attempt_at=sent_at, error=error,
                sent_at=sent_at + timedelta(seconds=i // 20) if status == "sent" else None,
            )  # fmt: skip
        )
    Delivery.objects.bulk_create(deliveries)
    SuppressedAddress.objects.bulk_create(
        [SuppressedAddress(email=d.email.lower(), reason="bounced", detail=d.error)
         for d in deliveries if d.status == Delivery.Status.BOUNCED],
        ignore_conflicts=True,
    )  # fmt: skip
    Mailing.objects.create(
        community=community, topic=topic, segment=segments["半年以上関わりのない会員"],
        subject=DRAFT_SUBJECT, body=DRAFT_BODY, status=Mailing.Status.SCHEDULED,
        scheduled_at=(now + timedelta(days=7)).replace(hour=9, minute=0, second=0,
                                                        microsecond=0),
        created_by=staff,
    )  # fmt: skip
