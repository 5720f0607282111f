"""Seed a large 伊賀衆 and time the pages staff and members open most, and the ranks.

    .venv/bin/python bench/run.py [--members 100000] [--activities 2000]
        [--ledger-rows 1000000] [--repeat 30] [--db sqlite|postgres|both]

For each database the script recreates a scratch database (SQLite under
bench/results/var-sqlite/, PostgreSQL database `enishi_bench`), runs migrate, createcachetable,
collectstatic and `seed_demo --members N --activities A` as `enishi` subprocesses, tops the
ledger up to `--ledger-rows` entries (bench/ledger_fill.py), then starts fresh Python processes
that set up Django against that database: one times requests through django.test.Client, one
recomputes every member's rank and stage. Results go to bench/results/ (git-ignored) as
Markdown and JSON. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/enishi_bench"

# (name, who, path, search). `who` is the login the request is made as (or "anonymous");
# `search` is the staff list's free-text search, which is posted once and then held in the
# session (never in a URL).
PAGES = [
    ("staff list, first page", "staff", "/staff/members/", ""),
    ("staff list, q=ヤマザキ", "staff", "/staff/members/", "ヤマザキ"),
    ("staff list, q=ﾔﾏｻﾞｷ (半角)", "staff", "/staff/members/", "ﾔﾏｻﾞｷ"),
    ("member card /me/card/", "member", "/me/card/", None),
    ("activities /activities/ (anonymous)", "anonymous", "/activities/", None),
    ("member page /me/", "member", "/me/", None),
    ("ambassadors /staff/referrals/", "staff", "/staff/referrals/", None),
    ("SNS queue /staff/posts/", "staff", "/staff/posts/", None),
    ("public ranking /ambassadors/", "anonymous", "/ambassadors/", None),
    ("reports /news/ (anonymous)", "anonymous", "/news/", None),
    ("report feed /news/feed.atom", "anonymous", "/news/feed.atom", None),
    ("landing page / (latest reports)", "anonymous", "/", None),
]


# --------------------------------------------------------------------------------------------
# Orchestrator (no Django imported here: each database gets its own processes)
# --------------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pg_admin_url(url: str) -> tuple[str, str]:
    """(URL of the maintenance database, name of the bench database) for a PostgreSQL URL."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "enishi_bench"
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    return admin, name


def _pg_connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def _pg_reachable(url: str) -> str | None:
    try:
        _pg_connect(_pg_admin_url(url)[0]).close()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return str(error).strip()
    return None


def _pg_recreate(url: str, *, drop_only: bool = False) -> None:
    from psycopg import sql

    admin, name = _pg_admin_url(url)
    if name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"bench: refusing to drop the database {name!r}; use a dedicated one")
    with _pg_connect(admin) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))


def _pg_size(url: str) -> int:
    admin, name = _pg_admin_url(url)
    with _pg_connect(admin) as conn:
        return conn.execute("SELECT pg_database_size(%s)", [name]).fetchone()[0]


def _env_for(db: str, pg_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ENISHI_VAR_DIR=str(RESULTS / f"var-{db}"),
        ENISHI_ALLOWED_HOSTS="testserver",
        ENISHI_DEBUG="0",  # production-like: no query log, manifest static files
        ENISHI_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="enishi.settings",
        PYTHONHASHSEED="0",
    )
    env.pop("ENISHI_SECRET_KEY", None)  # a key of its own in the scratch var dir
    if db == "postgres":
        env["DATABASE_URL"] = pg_url
    else:
        env.pop("DATABASE_URL", None)
    return env


def _run(step: str, args: list[str], env: dict[str, str], log) -> dict:
    """Run a subprocess; return its wall time and peak RSS (from wait4, so per child)."""
    log.write(f"\n$ {' '.join(args)}\n")
    log.flush()
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench: {step} failed (exit {process.returncode}); see {log.name}")
    return {
        "seconds": round(elapsed, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
    }


def bench_database(db: str, args) -> dict:
    env = _env_for(db, args.pg_url)
    var_dir = Path(env["ENISHI_VAR_DIR"])
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    if db == "postgres":
        _pg_recreate(args.pg_url)
    try:
        return _bench_database(db, args, env, var_dir)
    finally:  # also when a step fails: no scratch database is left behind
        if not args.keep:
            if db == "postgres":
                _pg_recreate(args.pg_url, drop_only=True)
            shutil.rmtree(var_dir, ignore_errors=True)


def _bench_database(db: str, args, env: dict[str, str], var_dir: Path) -> dict:
    enishi = str(BIN / "enishi")
    seed = [enishi, "seed_demo", "--members", str(args.members)]
    if args.activities is not None:
        seed += ["--activities", str(args.activities)]
    result: dict = {"steps": {}}
    with open(RESULTS / f"setup-{db}.log", "w") as log:
        for step, command in (
            ("migrate", [enishi, "migrate", "--no-input", "-v", "0"]),
            ("createcachetable", [enishi, "createcachetable"]),
            ("collectstatic", [enishi, "collectstatic", "--no-input", "-v", "0"]),
            ("seed_demo", seed),
        ):
            _log(f"[{db}] {step} …")
            result["steps"][step] = _run(step, command, env, log)
            _log(f"[{db}] {step}: {result['steps'][step]['seconds']} s")
        if args.ledger_rows:
            _log(f"[{db}] ledger up to {args.ledger_rows:,} rows …")
            out = RESULTS / f"ledger-{db}.json"
            fill = [sys.executable, __file__, "--phase", "ledger",
                    "--ledger-rows", str(args.ledger_rows), "--out", str(out)]  # fmt: skip
            result["steps"]["ledger"] = _run("ledger", fill, env, log)
            result["ledger"] = json.loads(out.read_text())
            out.unlink()
            _log(f"[{db}] ledger: {result['steps']['ledger']['seconds']} s, {result['ledger']}")
        if args.referrals or args.posts:
            _log(f"[{db}] referrals, SNS posts and reports …")
            out = RESULTS / f"promotion-{db}.json"
            fill = [sys.executable, __file__, "--phase", "promotion", "--out", str(out),
                    "--referrals", str(args.referrals), "--posts", str(args.posts),
                    "--reports", str(args.reports)]  # fmt: skip
            result["steps"]["promotion"] = _run("promotion", fill, env, log)
            result["promotion"] = json.loads(out.read_text())
            out.unlink()
            _log(f"[{db}] promotion: {result['steps']['promotion']['seconds']} s")
        if db == "postgres":
            # What autovacuum does on its own soon after a bulk load; plans depend on it.
            started = time.perf_counter()
            with _pg_connect(args.pg_url.replace("postgres://", "postgresql://", 1)) as conn:
                conn.execute("VACUUM ANALYZE")
            result["steps"]["vacuum_analyze"] = {"seconds": round(time.perf_counter() - started, 2)}
            result["db_size_mb"] = round(_pg_size(args.pg_url) / 2**20, 1)
        else:
            files = var_dir.glob("enishi.sqlite3*")
            result["db_size_mb"] = round(sum(f.stat().st_size for f in files) / 2**20, 1)

        _log(f"[{db}] timing requests ({args.warmup} warm-ups + {args.repeat} each) …")
        out = RESULTS / f"measure-{db}.json"
        out.unlink(missing_ok=True)
        measure = [
            sys.executable, __file__, "--phase", "measure", "--db", db,
            "--repeat", str(args.repeat), "--warmup", str(args.warmup),
            "--explain-ms", str(args.explain_ms), "--out", str(out),
        ]  # fmt: skip
        load_before = os.getloadavg()[0]
        result["measure_process"] = _run("measure", measure, env, log)
        result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        if max(result["load_average"]) > (os.cpu_count() or 1):
            _log(f"[{db}] note: load average {result['load_average']} — other work was running")
        result.update(json.loads(out.read_text()))
        out.unlink()

        if args.standings_repeat:
            _log(f"[{db}] ranks and stages of every member ({args.standings_repeat} runs) …")
            out = RESULTS / f"standings-{db}.json"
            out.unlink(missing_ok=True)
            command = [sys.executable, __file__, "--phase", "standings", "--out", str(out),
                       "--standings-repeat", str(args.standings_repeat)]  # fmt: skip
            result["standings_process"] = _run("standings", command, env, log)
            result["standings"] = json.loads(out.read_text())
            out.unlink()
            _log(
                f"[{db}] standings: median {result['standings']['median_s']} s, process peak "
                f"RSS {result['standings_process']['peak_rss_mb']} MB"
            )
    return result


def _markdown(report: dict) -> str:
    lines = [
        f"# enishi bench — {report['members']:,} members, {report['repeat']} requests a page",
        "",
        f"{report['started']} · {report['machine']} · Python {report['python']}",
        "",
    ]
    for db, result in report["databases"].items():
        if data := result.get("data"):
            lines.append(
                f"- {db}: {data['members']:,} members, {data['activities']:,} activities "
                f"({data['sessions']:,} sessions, {data['applications']:,} applications), "
                f"{data['ledger_rows']:,} ledger rows; the demo member has "
                f"{data['demo_member_ledger_rows']} ledger rows"
            )
    lines += [
        "",
        "| db | page | median ms | p95 ms | queries |",
        "|---|---|---:|---:|---:|",
    ]
    for db, result in report["databases"].items():
        for page in result["pages"]:
            flag = " ⚠" if page["median_ms"] > report["explain_ms"] else ""
            lines.append(
                f"| {db} | {page['page']}{flag} | {page['median_ms']:.1f} | "
                f"{page['p95_ms']:.1f} | {page['queries']} |"
            )
    lines += [
        "",
        "| db | seed (s) | seed peak RSS (MB) | ledger fill (s) | migrate (s) | db size (MB) | "
        "bench process peak RSS (MB) | load avg before/after |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for db, result in report["databases"].items():
        steps = result["steps"]
        ledger = steps.get("ledger", {}).get("seconds", "—")
        lines.append(
            f"| {db} ({result.get('server', '?')}) | {steps['seed_demo']['seconds']} | "
            f"{steps['seed_demo']['peak_rss_mb']} | {ledger} | {steps['migrate']['seconds']} | "
            f"{result['db_size_mb']} | {result['peak_rss_mb']} | "
            f"{' / '.join(str(x) for x in result['load_average'])} |"
        )
    standings = [(db, r) for db, r in report["databases"].items() if r.get("standings")]
    if standings:
        lines += [
            "",
            "## Every member's rank and stage (`ledger.selectors.standings`, generator consumed)",
            "",
            "| db | members | runs | median s | min s | max s | queries | "
            "process peak RSS (MB) | RSS growth while iterating (MB) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for db, result in standings:
            st = result["standings"]
            lines.append(
                f"| {db} | {st['members']:,} | {len(st['seconds'])} | {st['median_s']} | "
                f"{min(st['seconds'])} | {max(st['seconds'])} | {st['queries']} | "
                f"{result['standings_process']['peak_rss_mb']} | {st['rss_growth_mb']} |"
            )
        for db, result in standings:
            st = result["standings"]
            ranks = ", ".join(f"{name} {n:,}" for name, n in st["ranks"].items())
            stages = ", ".join(f"{name} {n:,}" for name, n in st["stages"].items())
            lines.append(f"\n- {db}: ranks {ranks}; stages {stages}")
    lines += ["", "## Slowest queries of each page (one extra request, queries timed)", ""]
    for db, result in report["databases"].items():
        for page in result["pages"]:
            top = page["slowest"][0] if page["slowest"] else None
            if top:
                lines.append(
                    f"- **{db} · {page['page']}**: {page['sql_ms']:.1f} ms in SQL over "
                    f"{page['queries']} queries; slowest {top['ms']:.1f} ms: `{top['sql'][:240]}`"
                )
    explained = [
        (db, page)
        for db, result in report["databases"].items()
        for page in result["pages"]
        if page.get("explain")
    ]
    if explained:
        lines += ["", f"## EXPLAIN (pages with a median over {report['explain_ms']} ms)", ""]
        for db, page in explained:
            lines += [f"### {db} · {page['page']}", "", "```", page["explain"].rstrip(), "```", ""]
    if standings:
        lines += ["", "## EXPLAIN of the standings query", ""]
        for db, result in standings:
            plan = result["standings"]["explain"].rstrip()
            lines += [f"### {db}", "", "```", plan, "```", ""]
    return "\n".join(lines) + "\n"


def orchestrate(args) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in dbs and (problem := _pg_reachable(args.pg_url)):
        if args.db == "postgres":
            raise SystemExit(f"bench: PostgreSQL not reachable at {args.pg_url}: {problem}")
        _log(f"bench: PostgreSQL skipped (not reachable at {args.pg_url}: {problem})")
        dbs.remove("postgres")

    started = datetime.now(UTC)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "members": args.members,
        "activities": args.activities,
        "ledger_rows": args.ledger_rows,
        "repeat": args.repeat,
        "warmup": args.warmup,
        "explain_ms": args.explain_ms,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
        "python": platform.python_version(),
        "databases": {},
    }
    for db in dbs:
        report["databases"][db] = bench_database(db, args)

    markdown = _markdown(report)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    for name in (f"bench-{stamp}", "latest"):
        (RESULTS / f"{name}.md").write_text(markdown)
        (RESULTS / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(markdown)
    _log(f"bench: written to {RESULTS / f'bench-{stamp}.md'} and .json")


# --------------------------------------------------------------------------------------------
# Measurement (a child process per database: the environment is set before django.setup())
# --------------------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 30 samples is the 29th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _explain(connection, sql: str) -> str:
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return "\n".join(row[0] for row in rows)
    return "\n".join(" | ".join(str(c) for c in row) for row in rows)


def measure(args) -> None:
    import resource

    import django

    django.setup()
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from enishi.core.models import User
    from enishi.members.demo import DEMO_MEMBER_EMAIL, STAFF_EMAIL

    clients = {"anonymous": Client()}
    for who, email in (("staff", STAFF_EMAIL), ("member", DEMO_MEMBER_EMAIL)):
        client = Client()
        user = User.objects.get(email=email)
        if who == "staff" and not Authenticator.objects.filter(user=user).exists():
            TOTP.activate(user, generate_totp_secret())  # staff reach members with a 2nd factor
        client.force_login(user)
        clients[who] = client

    def request(client, path):
        response = client.get(path)
        # What the WSGI handler does at the end of every request: SQLite (CONN_MAX_AGE=0)
        # reconnects for each request, PostgreSQL keeps its connection (CONN_MAX_AGE=60).
        close_old_connections()
        return response

    timings: list[float] = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - started) * 1000)

    pages = []
    for name, who, path, search in PAGES:
        client = clients[who]
        if search is not None:
            client.post("/staff/members/", {"q": search})
        for _ in range(args.warmup):
            response = request(client, path)
            if response.status_code != 200:
                raise SystemExit(f"bench: GET {path} as {who} answered {response.status_code}")
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            request(client, path)
            samples.append((time.perf_counter() - started) * 1000)
        # CaptureQueriesContext gives the count and the SQL with its parameters; its times are
        # rounded to whole milliseconds, so each query is also timed here.
        timings.clear()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
            response = client.get(path)
        if len(timings) == len(captured):
            queries = [{"ms": ms, "sql": q["sql"]} for ms, q in zip(timings, captured, strict=True)]
        else:
            # A transaction's BEGIN (an audited page writes its audit event in one) is captured
            # but does not pass through execute wrappers: use the captured, rounded times.
            queries = [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in captured]
        slowest = sorted(queries, key=lambda q: q["ms"], reverse=True)[:3]
        page = {
            "page": name,
            "path": path,
            "as": who,
            "median_ms": round(statistics.median(samples), 2),
            "p95_ms": round(_percentile(samples, 0.95), 2),
            "min_ms": round(min(samples), 2),
            "max_ms": round(max(samples), 2),
            "queries": len(queries),
            "sql_ms": round(sum(q["ms"] for q in queries), 2),
            "bytes": len(response.content),
            "slowest": [{"ms": round(q["ms"], 2), "sql": q["sql"]} for q in slowest],
        }
        if page["median_ms"] > args.explain_ms and slowest:
            page["explain"] = "\n\n".join(
                f"-- {q['ms']:.1f} ms: {q['sql']}\n{_explain(connection, q['sql'])}"
                for q in slowest[:2]
            )
        pages.append(page)
        _log(
            f"[{connection.vendor}] {name}: median {page['median_ms']:.1f} ms, "
            f"p95 {page['p95_ms']:.1f} ms, {page['queries']} queries"
        )

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            server = "PostgreSQL " + cursor.fetchone()[0].split()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            server = "SQLite " + cursor.fetchone()[0]
    output = json.dumps(
        {
            "server": server,
            "django": django.get_version(),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "data": _data_shape(),
            "pages": pages,
        },
        ensure_ascii=False,
        indent=2,
    )
    if args.out:
        Path(args.out).write_text(output)
    else:
        print(output)


def _data_shape() -> dict:
    from enishi.activities.models import Activity, ActivitySession, Application
    from enishi.ledger.models import Engagement
    from enishi.members.demo import DEMO_MEMBER_EMAIL
    from enishi.members.models import Member

    return {
        "members": Member.objects.count(),
        "activities": Activity.objects.count(),
        "sessions": ActivitySession.objects.count(),
        "applications": Application.objects.count(),
        "ledger_rows": Engagement.objects.count(),
        "demo_member_ledger_rows": Engagement.objects.filter(
            member__user__email=DEMO_MEMBER_EMAIL
        ).count(),
    }


def _rss_mb() -> float:
    """The current resident set size (not the peak), from /proc."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def ledger(args) -> None:
    """Bench only: top the ledger up to --ledger-rows entries (see bench/ledger_fill.py)."""
    import django

    django.setup()
    from ledger_fill import fill_ledger

    from enishi.communities.models import Community

    done = fill_ledger(community=Community.objects.get(slug="iga"), total=args.ledger_rows)
    Path(args.out).write_text(json.dumps(done))


def promotion(args) -> None:
    """Bench only: referrals, SNS submissions and reports (see bench/promotion_fill.py)."""
    import django

    django.setup()
    from promotion_fill import fill_promotion

    from enishi.communities.models import Community

    done = fill_promotion(community=Community.objects.get(slug="iga"), referrals=args.referrals,
                          posts=args.posts, reports=args.reports)  # fmt: skip
    Path(args.out).write_text(json.dumps(done))


def standings_phase(args) -> None:
    """Recompute every member's rank and stage, consuming the generator, --standings-repeat
    times; the process's peak RSS is measured by the orchestrator (wait4)."""
    from collections import Counter

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enishi.communities.models import Community
    from enishi.ledger.selectors import Stage, standings

    community = Community.objects.get(slug="iga")
    list(community.ranks.all())  # connect and warm up before the first measurement
    baseline = _rss_mb()
    seconds, peak_growth = [], 0.0
    for run in range(args.standings_repeat):
        ranks, stages = Counter(), Counter()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            for n, (_member, standing) in enumerate(standings(community=community), 1):
                ranks[standing.rank.name if standing.rank else "—"] += 1
                stages[standing.stage] += 1
                if n % 10_000 == 0:
                    peak_growth = max(peak_growth, _rss_mb() - baseline)
            seconds.append(round(time.perf_counter() - started, 2))
        peak_growth = max(peak_growth, _rss_mb() - baseline)
        _log(f"[{connection.vendor}] standings run {run + 1}: {seconds[-1]} s, {n:,} members")
    query = max(captured, key=lambda q: len(q["sql"]))["sql"]
    # PostgreSQL runs .iterator() through a server-side cursor: explain the SELECT itself.
    query = re.sub(r"^DECLARE .*? CURSOR .*?FOR ", "", query)
    result = {
        "members": n,
        "seconds": seconds,
        "median_s": round(statistics.median(seconds), 2),
        "queries": len(captured),
        "rss_growth_mb": round(peak_growth, 1),
        "ranks": dict(sorted(ranks.items(), key=lambda item: -item[1])),
        "stages": {str(Stage.LABELS[s]): stages[s] for s in Stage.ORDER},
        "sql": query,
        "explain": _explain(connection, query),
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument(
        "--activities",
        type=int,
        default=2000,
        help="activities seeded with the members (seed_demo --activities)",
    )
    parser.add_argument(
        "--ledger-rows",
        type=int,
        default=1_000_000,
        help="top the ledger up to this many rows (0: only what seed_demo writes)",
    )
    parser.add_argument(
        "--standings-repeat",
        type=int,
        default=3,
        help="times every member's rank and stage is recomputed (0: not measured)",
    )
    parser.add_argument("--referrals", type=int, default=20_000,
                        help="referred members (bench/promotion_fill.py; 0: only the demo's)")
    parser.add_argument("--posts", type=int, default=10_000, help="SNS submissions")
    parser.add_argument("--reports", type=int, default=500, help="published reports")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL),
        help="PostgreSQL database to (re)create and drop (default %(default)s)",
    )
    parser.add_argument(
        "--explain-ms", type=float, default=200, help="EXPLAIN the pages slower than this"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the seeded databases for a closer look"
    )
    parser.add_argument(
        "--phase",
        choices=["all", "measure", "ledger", "standings", "promotion"],
        default="all",
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enishi.settings")
    phases = {"measure": measure, "ledger": ledger, "standings": standings_phase,
              "promotion": promotion}  # fmt: skip
    phases.get(args.phase, orchestrate)(args)


if __name__ == "__main__":
    main()
