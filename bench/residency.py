"""Time the ふるさと住民登録 pages, the registrations export and the API with 100,000 members
and 1,000,000 ledger rows.

    .venv/bin/python bench/residency.py [--members 100000] [--ledger-rows 1000000]
        [--repeat 20] [--db sqlite|postgres|both] [--pg-url URL] [--keep]

For each database: a scratch database (as bench/run.py), `migrate` and `collectstatic` as
`enishi` subprocesses, then a generator (`--phase load`) that bulk-creates the members (5 %
living in Iga, 30 % with an in-person identity check, 20 % declaring other municipalities,
half consenting to sharing), 200 activities of this fiscal year with 2 past sessions each (100
designated), attendances (0–5 per member, skewed) with their ledger entries and other ledger
rows up to --ledger-rows; then a fresh process (`--phase measure`) that times, through
django.test.Client: the staff lists (qualifying, one short), a member's /me/residency/, the
registrations export (JSON Lines, every consenting member), the API's member search and
activity list with a token, and the public calendar feed. Results in
bench/results/residency-latest.md/.json.
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
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/enishi_bench_residency"
BATCH = 10_000


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# ---------------------------------------------------------------------------- orchestrator


def bench_database(db: str, args) -> dict:
    env = bench_run._env_for(db, args.pg_url)
    var_dir = RESULTS / f"var-residency-{db}"
    env["ENISHI_VAR_DIR"] = str(var_dir)
    env["ENISHI_MAP_TILE_URL"] = ""
    env["ENISHI_STAFF_MFA_REQUIRED"] = "0"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    if db == "postgres":
        bench_run._pg_recreate(args.pg_url)
    result: dict = {"steps": {}}
    enishi = str(bench_run.BIN / "enishi")
    try:
        with open(RESULTS / f"setup-residency-{db}.log", "w") as log:
            steps = [
                ("migrate", [enishi, "migrate", "--no-input", "-v", "0"]),
                ("createcachetable", [enishi, "createcachetable"]),
                ("collectstatic", [enishi, "collectstatic", "--no-input", "-v", "0"]),
                ("load", [sys.executable, __file__, "--phase", "load",
                          "--members", str(args.members),
                          "--ledger-rows", str(args.ledger_rows)]),
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
            out = RESULTS / f"measure-residency-{db}.json"
            out.unlink(missing_ok=True)
            measure = [sys.executable, __file__, "--phase", "measure", "--repeat",
                       str(args.repeat), "--out", str(out)]  # fmt: skip
            bench_run._log(f"[{db}] timing the pages …")
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
        f"# enishi bench — ふるさと住民登録 and the API, {report['members']:,} members, "
        f"{report['ledger_rows']:,} ledger rows",
        "",
        f"{report['started']} · {report['machine']} · Python {report['python']}",
        "",
        "| db | what | median ms | p95 ms | queries | rows |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for db, result in report["databases"].items():
        for row in result["timings"]:
            lines.append(f"| {db} | {row['step']} | {row['median_ms']:.1f} | "
                         f"{row['p95_ms']:.1f} | {row['queries']} | {row['rows']} |")  # fmt: skip
    lines += ["", "| db | data | load (s) | load avg before/after |", "|---|---|---:|---|"]
    for db, result in report["databases"].items():
        data, seconds = result["data"], result["steps"]["load"]["seconds"]
        shape = ", ".join(f"{k} {v:,}" for k, v in data.items())
        lines.append(f"| {db} | {shape} | {seconds} | {result['load_average']} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- phase: load


def load(args) -> None:
    import django

    django.setup()
    import secrets

    from django.db import transaction
    from django.utils import timezone

    from enishi.activities.models import Activity, ActivitySession, Application
    from enishi.communities.models import Community, Organizer, StaffRole
    from enishi.core.models import User
    from enishi.insights.periods import fiscal_year
    from enishi.insights.summaries import rebuild
    from enishi.ledger.models import Engagement, Kind
    from enishi.members.models import Member
    from enishi.privacy.models import Consent
    from enishi.residency.models import ActivityDesignation, Declaration, IdentityCheck
    from enishi.residency.selectors import current_fiscal_year

    rng = random.Random(11)
    community = Community.objects.get(slug="iga")
    now = timezone.now()
    prefix = community.member_number_prefix
    members = []
    for start in range(0, args.members, BATCH):
        batch = [
            Member(
                community=community, status=Member.Status.ACTIVE,
                number=f"{prefix}-{n + 1:06d}", family_name="伊賀", given_name=f"{n}",
                family_name_kana="イガ", given_name_kana="タロウ", search_name=f"伊賀{n}",
                search_kana="イガタロウ", prefecture_code="13",
                municipality_code="24216" if rng.random() < 0.05 else "13101",
                postal_code="1000001", referral_code=secrets.token_hex(6),
                card_key=secrets.token_urlsafe(24),
                joined_at=now - timedelta(days=rng.randint(30, 1500)),
            )
            for n in range(start, min(args.members, start + BATCH))
        ]  # fmt: skip
        members += [m.pk for m in Member.objects.bulk_create(batch)]
        print(f"members: {len(members):,}", file=sys.stderr, flush=True)
    community.next_member_sequence = args.members + 1
    community.save(update_fields=["next_member_sequence"])
    staff = User.objects.create(username="bench-admin", email="admin@bench.example.jp")
    StaffRole.objects.create(user=staff, community=community, role=StaffRole.Role.ADMIN)
    for start in range(0, len(members), BATCH):
        chunk = members[start : start + BATCH]
        IdentityCheck.objects.bulk_create(
            IdentityCheck(member_id=m, level=2, method="窓口", checked_by=staff)
            for m in chunk if rng.random() < 0.3
        )  # fmt: skip
        Declaration.objects.bulk_create(
            Declaration(member_id=m, other_municipalities=rng.choice([1, 1, 2, 3]))
            for m in chunk if rng.random() < 0.2
        )  # fmt: skip
        Consent.objects.bulk_create(
            Consent(member_id=m, purpose=Consent.Purpose.REGISTRY_SHARE, granted=True,
                    version="1.0", source="bench")
            for m in chunk if rng.random() < 0.5
        )  # fmt: skip

    fy = current_fiscal_year()
    period = fiscal_year(fy)
    organizer = Organizer.objects.filter(community=community).first()
    sessions = []
    for a in range(200):
        activity = Activity.objects.create(
            community=community, organizer=organizer, title=f"活動{a}", use="local_activity",
            opens_at=period.start, closes_at=period.start + timedelta(days=1),
            status=Activity.Status.CLOSED,
        )
        if a < 100:
            ActivityDesignation.objects.create(community=community, activity=activity,
                                               fiscal_year=fy)  # fmt: skip
        for s in range(2):
            days_so_far = max(1, (now - period.start).days - 3)
            starts = period.start + timedelta(days=2 + (a * 2 + s) % days_so_far)
            sessions.append(ActivitySession.objects.create(
                activity=activity, starts_at=starts, ends_at=starts + timedelta(hours=2)))
    # Attendances: 0–5 sessions per member, skewed towards few.
    written = 0
    for start in range(0, len(members), BATCH):
        applications, entries = [], []
        for m in members[start : start + BATCH]:
            for session in rng.sample(sessions, min(5, int(rng.expovariate(0.8)))):
                applications.append(Application(session=session, member_id=m, status="attended"))
                entries.append(Engagement(
                    community=community, member_id=m, kind=Kind.LOCAL_ACTIVITY,
                    source_type="activity_session", source_id=session.pk, points=10,
                    occurred_at=session.starts_at))  # fmt: skip
        with transaction.atomic():
            Application.objects.bulk_create(applications)
            Engagement.objects.bulk_create(entries)
        written += len(entries)
    print(f"attendances: {written:,}", file=sys.stderr, flush=True)
    while written < args.ledger_rows:
        size = min(BATCH, args.ledger_rows - written)
        Engagement.objects.bulk_create(
            Engagement(community=community, member_id=rng.choice(members), kind=Kind.VISIT,
                       points=5, occurred_at=now - timedelta(seconds=rng.randint(60, 80_000_000)))
            for _ in range(size)
        )  # fmt: skip
        written += size
    print(f"ledger: {written:,}", file=sys.stderr, flush=True)
    rebuild(community=community)


# ---------------------------------------------------------------------------- phase: measure


def measure(args) -> None:
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from enishi.api.scopes import Scope
    from enishi.api.services import token_issue
    from enishi.communities.models import Community
    from enishi.core.models import User
    from enishi.ledger.models import Engagement
    from enishi.members.models import Member
    from enishi.residency.models import IdentityCheck

    community = Community.objects.get(slug="iga")
    admin = User.objects.get(email="admin@bench.example.jp")
    staff = Client()
    staff.force_login(admin)
    token = token_issue(community=community, user=admin, name="bench", scopes=list(Scope))[1]
    api = Client(headers={"Authorization": f"Bearer {token}"})
    rng = random.Random(12)
    member = Member.objects.get(pk=rng.choice(list(
        IdentityCheck.objects.values_list("member_id", flat=True)[:1000])))
    member.user = User.objects.create(username="bench-member", email="m@bench.example.jp")
    member.save(update_fields=["user"])
    me = Client()
    me.force_login(member.user)

    def page(client, path, method="get", data=None):
        response = getattr(client, method)(path, data or {})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        close_old_connections()
        assert response.status_code == 200, (path, response.status_code, body[:300])
        return body

    steps = [
        ("staff: who qualifies /staff/residency/", staff, "/staff/residency/", "get", None,
         lambda b: b.count(b"/staff/members/")),
        ("staff: one activity short ?list=short", staff, "/staff/residency/?list=short", "get",
         None, lambda b: b.count(b"/staff/members/")),
        ("member: /me/residency/", me, "/me/residency/", "get", None, lambda b: 1),
        ("export: JSON Lines, consenting members", staff, "/staff/residency/export.jsonl",
         "post", None, lambda b: b.count(b"\n")),
        ("API: GET /api/v1/members?q=伊賀1", api, "/api/v1/members", "get", {"q": "伊賀1"},
         lambda b: json.loads(b)["count"]),
        ("API: GET /api/v1/activities", api, "/api/v1/activities", "get", None,
         lambda b: json.loads(b)["count"]),
        ("public calendar /activities/feed.ics", api, "/activities/feed.ics", "get", None,
         lambda b: b.count(b"BEGIN:VEVENT")),
    ]
    timings = []
    for name, client, path, method, data, count in steps:
        repeat = max(3, args.repeat // 5) if "export" in name else args.repeat
        page(client, path, method, data)  # warm-up
        values = []
        for _i in range(repeat):
            started = time.perf_counter()
            body = page(client, path, method, data)
            values.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            page(client, path, method, data)
        timings.append({
            "step": name, "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(_percentile(values, 0.95), 2), "queries": len(queries),
            "rows": count(body),
        })  # fmt: skip
        print(f"{name}: {timings[-1]}", file=sys.stderr, flush=True)
    result = {
        "timings": timings,
        "data": {
            "members": Member.objects.count(),
            "ledger_rows": Engagement.objects.count(),
            "identity_checks": IdentityCheck.objects.count(),
        },
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--ledger-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_RESIDENCY_DATABASE_URL",
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
        "ledger_rows": args.ledger_rows,
        "databases": {},
    }
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in databases:
        if db == "postgres" and (problem := bench_run._pg_reachable(args.pg_url)):
            bench_run._log(f"[postgres] skipped: {problem}")
            continue
        report["databases"][db] = bench_database(db, args)
    markdown = _markdown(report)
    (RESULTS / "residency-latest.md").write_text(markdown)
    (RESULTS / "residency-latest.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(markdown)


if __name__ == "__main__":
    main()
