"""Bench only: top the engagement ledger up to a given number of rows, fast.

`seed_demo` writes what the demo needs (a registration entry per member, attendance at the
seeded activities). A community that has run for two years has many more entries than that:
visits with the member card, ふるさと納税 donations, posts that promote the region, entries staff
type in. This helper adds such entries with bulk_create until the community's ledger holds
`total` rows:

- **Over members**, unevenly, as in any membership: about a third of the members never do
  anything after registering; the others' activity is log-normal (a few do a lot) and grows
  with how long they have been members. Nothing is dated before a member joined or after they
  withdrew. The demo member gets entries up to DEMO_ROWS in all, so that `/me/` shows a full
  page of history.
- **Over months**, with the seasons of Iga (spring festival, obon, autumn, and December, when
  most ふるさと納税 donations are made) and slightly more recent entries than old ones.
- **In time order**, as an append-only ledger is written: a member's entries are spread
  through the table, not stored next to each other.
- About 0.2% of the entries are later corrected (a negative entry that names the one it
  corrects), so that the "live entries" joins of ledger.selectors have something to find.

Deterministic for a given seed, except that dates are relative to now.
"""

from __future__ import annotations

import random
import time
from array import array
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from enishi.communities.models import Community
from enishi.ledger.models import Engagement, Kind, PointsRule
from enishi.members.demo import DEMO_MEMBER_EMAIL
from enishi.members.models import Member

DEMO_ROWS = 30
BATCH = 5000
CORRECTED = 0.002  # share of the added entries that are corrections
IDLE = 0.35  # members who never do anything after registering
# kind, source type ("" = typed in by staff), share of entries
KINDS = [
    (Kind.VISIT, "visit", 34),
    (Kind.PROMOTION, "post", 24),
    (Kind.DONATION, "donation", 14),
    (Kind.LOCAL_ACTIVITY, "", 14),
    (Kind.KNOWLEDGE, "", 9),
    (Kind.MIGRATION_TRIAL, "", 5),
]
DONATION = 2  # index in KINDS
# How busy each month is (festival in April, obon in August, autumn, ふるさと納税 in December).
SEASON = {1: 0.8, 2: 0.7, 3: 0.9, 4: 1.3, 5: 1.2, 6: 0.9, 7: 1.0, 8: 1.2, 9: 1.0, 10: 1.3,
          11: 1.2, 12: 1.5}  # fmt: skip
NOTES = {"": "窓口で記録", "visit": "協力店で会員証を提示", "post": "SNSで発信",
         "donation": "ふるさと納税"}  # fmt: skip
JST = timezone.get_fixed_timezone(9 * 60)


def _counts(weights: list[float], total: int) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainders get the rest)."""
    if not total or not sum(weights):
        return [0] * len(weights)
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    short = total - sum(counts)
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[:short]:
        counts[i] += 1
    return counts


def _when(rng: random.Random, start: float, end: float) -> float:
    """A time between start and end, a little more often recent, in the busier months."""
    for _ in range(4):
        at = start + (end - start) * rng.random() ** 0.8
        month = datetime.fromtimestamp(at, JST).month
        if rng.random() * 1.5 < SEASON[month]:
            return at
    return at


def fill_ledger(*, community: Community, total: int, seed: int = 2026, now=None) -> dict:
    """Add entries until the community's ledger holds `total` rows; returns what was done."""
    started = time.perf_counter()
    now = now or timezone.now()
    have = Engagement.objects.filter(community=community).count()
    extra = total - have
    if extra <= 0:
        return {"added": 0, "total": have, "seconds": 0.0}
    rng = random.Random(f"{seed}-ledger")
    points = dict(PointsRule.objects.filter(community=community).values_list("kind", "points"))
    members = list(
        Member.objects.filter(community=community, joined_at__isnull=False)
        .order_by("pk")
        .values_list("pk", "joined_at", "withdrawn_at", "user__email")
    )
    demo = next((m for m in members if m[3] == DEMO_MEMBER_EMAIL), None)
    demo_rows = 0
    if demo is not None:
        demo_rows = max(0, DEMO_ROWS - Engagement.objects.filter(member_id=demo[0]).count())
    corrections = round(extra * CORRECTED)
    plain = extra - corrections - demo_rows

    now_ts = now.timestamp()
    spans, weights = [], []
    for pk, joined, withdrawn, email in members:
        start = joined.timestamp()
        end = withdrawn.timestamp() if withdrawn else now_ts
        spans.append((pk, start, end))
        years = max(0.0, end - start) / (365 * 86400)
        idle = email == DEMO_MEMBER_EMAIL or end - start < 86400 or rng.random() < IDLE
        weights.append(0.0 if idle else rng.lognormvariate(0, 0.9) * (0.2 + years))
    counts = _counts(weights, plain)
    if demo is not None:
        counts[members.index(demo)] += demo_rows

    # Who and when for every entry, compactly, then written in time order.
    who, when, kind = array("q"), array("d"), array("b")
    kind_weights = [share for _, _, share in KINDS]
    december = [share * (4 if i == DONATION else 1) for i, share in enumerate(kind_weights)]
    for (pk, start, end), n in zip(spans, counts, strict=True):
        for _ in range(n):
            at = _when(rng, start, end)
            month = datetime.fromtimestamp(at, JST).month
            k = rng.choices(range(len(KINDS)), december if month == 12 else kind_weights)[0]
            who.append(pk)
            when.append(at)
            kind.append(k)
    order = sorted(range(len(when)), key=when.__getitem__)

    corrected = set(rng.sample(range(len(order)), min(corrections, len(order))))
    source_id = 0
    batch: list[Engagement] = []
    to_correct: list[Engagement] = []
    written = 0

    def flush():
        # The corrections of a batch go into the next one: they need the entries' ids.
        nonlocal batch, to_correct, written
        Engagement.objects.bulk_create(batch)
        written += len(batch)
        batch = [
            Engagement(community_id=community.pk, member_id=entry.member_id, kind=entry.kind,
                       source_type=entry.source_type, source_id=entry.source_id,
                       points=-entry.points, note="記録の誤りを取り消し", corrects_id=entry.pk,
                       occurred_at=min(now, entry.occurred_at + timedelta(days=rng.randint(1, 20))))
            for entry in to_correct
        ]  # fmt: skip
        to_correct = []

    with transaction.atomic():
        for position, i in enumerate(order):
            name, source_type, _ = KINDS[kind[i]]
            if source_type:
                source_id += 1
            entry = Engagement(
                community_id=community.pk,
                member_id=who[i],
                kind=name,
                source_type=source_type,
                source_id=source_id if source_type else None,
                points=points.get(name, 0),
                occurred_at=datetime.fromtimestamp(when[i], UTC),
                note=NOTES[source_type],
            )
            batch.append(entry)
            if position in corrected:
                to_correct.append(entry)
            if len(batch) >= BATCH:
                flush()
        while batch:
            flush()
    return {
        "added": written,
        "total": Engagement.objects.filter(community=community).count(),
        "corrections": Engagement.objects.filter(
            community=community, corrects__isnull=False
        ).count(),
        "demo_member_rows": Engagement.objects.filter(member_id=demo[0]).count() if demo else 0,
        "members_with_entries_beyond_registration": sum(1 for c in counts if c),
        "seconds": round(time.perf_counter() - started, 2),
    }
