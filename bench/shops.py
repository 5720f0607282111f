"""Time a redemption at a partner shop's counter (scan → recorded) with 100,000 members and
1,000,000 prior redemptions.

    .venv/bin/python bench/shops.py [--members 100000] [--redemptions 1000000]
        [--repeat 200] [--db sqlite|postgres|both] [--pg-url URL] [--keep]

For each database: a scratch database (as bench/run.py: SQLite under
bench/results/var-shops-sqlite/, PostgreSQL dropped and recreated at --pg-url), `migrate` and
`collectstatic` as `enishi` subprocesses, then a generator (`--phase load`) that bulk-creates
the members, 30 partner shops with 3 benefits each, the prior redemptions spread over two
years with the ledger's `visit` entry for each (so the ledger holds as many rows), then a
fresh process (`--phase measure`) that times, as a signed-in clerk through django.test.Client:
the camera opening the card URL (/card/<token>/ → /shop/card/<token>/ → /shop/member/, the
page with the member's rank and benefits) and the tap (POST /shop/member/redeem/ and its
redirect back), for `--repeat` random members. Results in bench/results/shops-latest.md/.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench_run  # noqa: E402  (bench/run.py: the scratch-database helpers)

ROOT = bench_run.ROOT
RESULTS = bench_run.RESULTS
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/enishi_bench_shops"
BATCH = 10_000


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# ---------------------------------------------------------------------------- orchestrator


def bench_database(db: str, args) -> dict:
    env = bench_run._env_for(db, args.pg_url)
    var_dir = RESULTS / f"var-shops-{db}"
    env["ENISHI_VAR_DIR"] = str(var_dir)
    env["ENISHI_MAP_TILE_URL"] = ""
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    if db == "postgres":
        bench_run._pg_recreate(args.pg_url)
    result: dict = {"steps": {}}
    enishi = str(bench_run.BIN / "enishi")
    try:
        with open(RESULTS / f"setup-shops-{db}.log", "w") as log:
            steps = [
                ("migrate", [enishi, "migrate", "--no-input", "-v", "0"]),
                ("createcachetable", [enishi, "createcachetable"]),
                ("collectstatic", [enishi, "collectstatic", "--no-input", "-v", "0"]),
                ("load", [sys.executable, __file__, "--phase", "load",
                          "--members", str(args.members),
                          "--redemptions", str(args.redemptions)]),
            ]  # fmt: skip
            for step, command in steps:
                bench_run._log(f"[{db}] {step} …")
                result["steps"][step] = bench_run._run(step, command, env, log)
                bench_run._log(f"[{db}] {step}: {result['steps'][step]['seconds']} s")
            if db == "postgres":
                with bench_run._pg_connect(
                    args.pg_url.replace("postgres://", "postgresql://", 1)
                ) as c:
                    c.execute("VACUUM ANALYZE")
            out = RESULTS / f"measure-shops-{db}.json"
            out.unlink(missing_ok=True)
            measure = [sys.executable, __file__, "--phase", "measure", "--repeat",
                       str(args.repeat), "--out", str(out)]  # fmt: skip
            bench_run._log(f"[{db}] timing {args.repeat} redemptions …")
            load_before = os.getloadavg()[0]
            result["steps"]["measure"] = bench_run._run("measure", measure, env, log)
            result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            result.update(json.loads(out.read_text()))
            out.unlink()
    finally:
        if not args.keep:
            if db == "postgres":
                bench_run._pg_recreate(args.pg_url, drop_only=True)
            shutil.rmtree(var_dir, ignore_errors=True)
    return result


def _markdown(report: dict) -> str:
    lines = [
        f"# enishi bench — a redemption at the counter, {report['members']:,} members, "
        f"{report['redemptions']:,} prior redemptions",
        "",
        f"{report['started']} · {report['machine']} · Python {report['python']}",
        "",
        "| db | step | median ms | p95 ms | queries |",
        "|---|---|---:|---:|---:|",
    ]
    for db, result in report["databases"].items():
        for row in result["timings"]:
            lines.append(f"| {db} | {row['step']} | {row['median_ms']:.1f} | "
                         f"{row['p95_ms']:.1f} | {row['queries']} |")  # fmt: skip
    lines += ["", "| db | rows (redemptions / ledger) | load (s) | load avg before/after |",
              "|---|---|---:|---|"]  # fmt: skip
    for db, result in report["databases"].items():
        data, seconds = result["data"], result["steps"]["load"]["seconds"]
        lines.append(f"| {db} | {data['redemptions']:,} / {data['ledger_rows']:,} | "
                     f"{seconds} | {result['load_average']} |")  # fmt: skip
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- phase: load


def load(args) -> None:
    import django

    django.setup()
    import secrets

    from django.db import transaction
    from django.utils import timezone

    from enishi.communities.models import Community, StaffRole
    from enishi.core.models import User
    from enishi.ledger.models import Engagement, Kind
    from enishi.members.models import Member
    from enishi.shops.models import Benefit, PartnerShop, Redemption, ShopStaff
    from enishi.shops.services import REDEMPTION_SOURCE

    rng = random.Random(6)
    community = Community.objects.get(slug="iga")
    now = timezone.now()
    prefix = community.member_number_prefix
    members = []
    for start in range(0, args.members, BATCH):
        batch = [
            Member(
                community=community,
                status=Member.Status.ACTIVE,
                number=f"{prefix}-{n + 1:06d}",
                family_name="伊賀",
                given_name=f"{n}",
                family_name_kana="イガ",
                given_name_kana="タロウ",
                nickname=f"会員{n}",
                prefecture_code="13",
                referral_code=secrets.token_hex(6),
                card_key=secrets.token_urlsafe(24),
                joined_at=now - timedelta(days=rng.randint(800, 1500)),
            )  # fmt: skip
            for n in range(start, min(args.members, start + BATCH))
        ]
        members += [m.pk for m in Member.objects.bulk_create(batch)]
    community.next_member_sequence = args.members + 1
    community.save(update_fields=["next_member_sequence"])

    frequencies = [Benefit.Frequency.DAILY, Benefit.Frequency.MONTHLY, Benefit.Frequency.ONCE]
    benefits = []
    for s in range(30):
        shop = PartnerShop.objects.create(
            community=community, name=f"協力店{s}", category="food", area="上野", address="伊賀市"
        )
        for b, frequency in enumerate(frequencies):
            benefit = Benefit(community=community, shop=shop, title=f"特典{s}-{b}",
                              frequency=frequency)  # fmt: skip
            benefit.save()
            benefits.append(benefit)
    # The clerk's shop adds an unlimited benefit, which every timed tap uses.
    clerk_shop = benefits[0].shop
    Benefit.objects.create(community=community, shop=clerk_shop, title="何度でも10%引き",
                           frequency=Benefit.Frequency.UNLIMITED)  # fmt: skip
    clerk = User.objects.create(username="bench-clerk", email="clerk@bench.example.jp")
    StaffRole.objects.create(user=clerk, community=community, role=StaffRole.Role.SHOP)
    ShopStaff.objects.create(user=clerk, community=community, shop=clerk_shop)

    # Prior redemptions: a third of the members never use the card, the others' use is skewed
    # (a few regulars, many occasional), spread over two years; each has its ledger entry.
    users = members[: len(members) * 2 // 3]
    weights = [rng.lognormvariate(0, 1.2) for _ in users]
    span = 730 * 24 * 3600
    written = 0
    while written < args.redemptions:
        size = min(BATCH, args.redemptions - written)
        picked = rng.choices(users, weights=weights, k=size)
        times = sorted(now - timedelta(seconds=rng.randint(60, span)) for _ in range(size))
        with transaction.atomic():
            rows = Redemption.objects.bulk_create(
                Redemption(community=community, member_id=m, benefit=(b := rng.choice(benefits)),
                           shop_id=b.shop_id, redeemed_at=t, redeemed_by=clerk)
                for m, t in zip(picked, times, strict=True)
            )  # fmt: skip
            Engagement.objects.bulk_create(
                Engagement(community=community, member_id=r.member_id, kind=Kind.VISIT,
                           source_type=REDEMPTION_SOURCE, source_id=r.pk, points=5,
                           occurred_at=r.redeemed_at)
                for r in rows
            )  # fmt: skip
        written += size
        print(f"redemptions: {written:,}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- phase: measure


def measure(args) -> None:
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from enishi.core.models import User
    from enishi.ledger.models import Engagement
    from enishi.members.models import Member
    from enishi.members.services import card_token_issue
    from enishi.shops.models import Benefit, Redemption

    clerk = User.objects.get(email="clerk@bench.example.jp")
    client = Client()
    client.force_login(clerk)
    benefit = Benefit.objects.get(title="何度でも10%引き")
    rng = random.Random(7)
    pks = list(Member.objects.values_list("pk", flat=True))
    members = Member.objects.in_bulk(rng.sample(pks, args.repeat + 5))
    order = list(members.values())

    def tap(member, capture=None):
        token = card_token_issue(member=member)
        started = time.perf_counter()
        response = client.get(f"/card/{token}/", follow=True)
        close_old_connections()
        assert response.status_code == 200 and "何度でも10%引き" in response.content.decode()
        scanned = time.perf_counter()
        response = client.post("/shop/member/redeem/", {"benefit": benefit.pk}, follow=True)
        close_old_connections()
        assert "利用を記録しました" in response.content.decode(), response.content.decode()[:500]
        done = time.perf_counter()
        return (scanned - started) * 1000, (done - scanned) * 1000, (done - started) * 1000

    for member in order[:5]:  # warm-up
        tap(member)
    scans, taps, totals = [], [], []
    for member in order[5:]:
        scan, tap_ms, total = tap(member)
        scans.append(scan)
        taps.append(tap_ms)
        totals.append(total)
    with CaptureQueriesContext(connection) as scan_queries:
        client.get(f"/card/{card_token_issue(member=order[0])}/", follow=True)
    with CaptureQueriesContext(connection) as tap_queries:
        client.post("/shop/member/redeem/", {"benefit": benefit.pk}, follow=True)
    rows = [
        ("scan: /card/<token>/ → /shop/member/ (rank, benefits)", scans, len(scan_queries)),
        ("tap: POST redeem → the page again", taps, len(tap_queries)),
        ("scan → recorded (both)", totals, len(scan_queries) + len(tap_queries)),
    ]
    result = {
        "timings": [
            {
                "step": step,
                "median_ms": round(statistics.median(v), 2),
                "p95_ms": round(_percentile(v, 0.95), 2),
                "queries": q,
            }
            for step, v, q in rows
        ],  # fmt: skip
        "data": {
            "members": Member.objects.count(),
            "redemptions": Redemption.objects.count(),
            "ledger_rows": Engagement.objects.count(),
        },
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--redemptions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_SHOPS_DATABASE_URL",
                                                           DEFAULT_PG_URL))  # fmt: skip
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--phase", choices=["all", "load", "measure"], default="all")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.phase == "load":
        return load(args)
    if args.phase == "measure":
        return measure(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    import platform

    report = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "members": args.members,
        "redemptions": args.redemptions,
        "databases": {},
    }
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in databases:
        if db == "postgres" and (problem := bench_run._pg_reachable(args.pg_url)):
            bench_run._log(f"[postgres] skipped: {problem}")
            continue
        report["databases"][db] = bench_database(db, args)
    markdown = _markdown(report)
    (RESULTS / "shops-latest.md").write_text(markdown)
    (RESULTS / "shops-latest.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(markdown)


if __name__ == "__main__":
    main()
