"""Bench only: referrals, SNS submissions and reports at the scale of a community that has
promoted itself for two years.

- **Referrals**: about one member in five joined through someone's link. The referrers are
  few and uneven (a Pareto draw: a handful of ambassadors invite dozens), each referral dated
  after both people joined, about 2% flagged; each unflagged one has its `promotion` entry.
- **SNS submissions**: `posts` links by a few thousand members, a third for a campaign, most
  approved (with their ledger entries), some pending (the staff queue) and some turned down.
- **Reports**: `reports` published reports, one in three on an activity.

Written with bulk_create, as the services would have left the rows. Deterministic for a seed.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from enishi.activities.models import Activity
from enishi.communities.models import Community
from enishi.ledger.models import Engagement, Kind, PointsRule
from enishi.members.models import Member
from enishi.news.models import Report
from enishi.promotion.models import Campaign, PostSubmission, Referral

BATCH = 5000


def fill_promotion(*, community: Community, referrals: int, posts: int, reports: int,
                   seed: int = 2026) -> dict:  # fmt: skip
    rng = random.Random(f"{seed}-promotion-bench")
    now = timezone.now()
    points = PointsRule.objects.filter(community=community, kind=Kind.PROMOTION).first()
    points = points.points if points else 0
    members = list(
        Member.objects.filter(community=community, status=Member.Status.ACTIVE)
        .exclude(referral__isnull=False)
        .order_by("joined_at", "pk")
        .values_list("pk", "joined_at")
    )
    with transaction.atomic():
        # Referrals: invited members drawn at random, referrers by a Pareto weight.
        invited = rng.sample(members[len(members) // 10 :], min(referrals, len(members) * 8 // 10))
        senders = members[: len(members) // 2]
        weights = [rng.paretovariate(1.2) for _ in senders]
        rows, entries = [], []
        for invited_pk, joined in invited:
            referrer_pk, referrer_joined = rng.choices(senders, weights)[0]
            if referrer_pk == invited_pk or referrer_joined >= joined:
                continue
            flag = Referral.Flag.MASS if rng.random() < 0.02 else ""
            rows.append(Referral(community=community, referrer_id=referrer_pk,
                                 invited_id=invited_pk, flag=flag, created_at=joined))  # fmt: skip
            if not flag:
                entries.append(Engagement(
                    community=community, member_id=referrer_pk, kind=Kind.PROMOTION,
                    source_type="referral_verified", source_id=invited_pk, points=points,
                    occurred_at=joined, note="紹介した方の登録",
                ))  # fmt: skip
        Referral.objects.bulk_create(rows, batch_size=BATCH)
        for row in rows:  # as member_register sets it
            Member.objects.filter(pk=row.invited_id).update(referred_by_id=row.referrer_id)

        campaign = Campaign.objects.create(
            community=community, title="伊賀の秋を投稿しよう（ベンチ）", hashtag="#伊賀の秋",
            starts_on=now.date() - timedelta(days=60), ends_on=now.date() + timedelta(days=30),
            points=20,
        )  # fmt: skip
        posters = rng.sample(members, min(len(members), max(1, posts // 3)))
        submissions = []
        statuses = [PostSubmission.Status.APPROVED] * 7 + [PostSubmission.Status.PENDING] * 2 + [
            PostSubmission.Status.REJECTED
        ]
        for n in range(posts):
            member_pk, joined = rng.choice(posters)
            created = joined + (now - joined) * rng.random()
            status = rng.choice(statuses)
            url = f"https://x.com/igashu{member_pk}/status/{1_800_000_000_000 + n}"
            submissions.append(PostSubmission(
                community=community, member_id=member_pk,
                campaign=campaign if n % 3 == 0 else None, url=url, url_key=url[8:],
                platform="x", hashtag="#ええやん伊賀", text="伊賀の秋、ええやん。",
                status=status, created_at=created,
                reviewed_at=None if status == "pending" else created + timedelta(hours=5),
            ))  # fmt: skip
        PostSubmission.objects.bulk_create(submissions, batch_size=BATCH)
        for post in submissions:
            if post.status == PostSubmission.Status.APPROVED:
                entries.append(Engagement(
                    community=community, member_id=post.member_id, kind=Kind.PROMOTION,
                    source_type="post_submission", source_id=post.pk,
                    points=20 if post.campaign_id else points, occurred_at=post.reviewed_at,
                ))  # fmt: skip
        Engagement.objects.bulk_create(entries, batch_size=BATCH)

        activities = list(
            Activity.objects.filter(community=community).values_list("pk", flat=True)
        )
        Report.objects.bulk_create(
            [
                Report(
                    community=community, title=f"活動レポート {n}",
                    summary="伊賀衆の活動の様子をお伝えします。",
                    body="## 当日の様子\n\n" + "伊賀の里で、会員と地域の方が汗を流しました。" * 20,
                    activity_id=rng.choice(activities) if activities and n % 3 == 0 else None,
                    status=Report.Status.PUBLISHED, published_at=now - timedelta(days=n),
                )  # fmt: skip
                for n in range(reports)
            ],
            batch_size=BATCH,
        )
    return {"referrals": len(rows), "posts": len(submissions), "reports": reports,
            "promotion_entries": len(entries)}  # fmt: skip
