"""Bench: the staff dashboard /staff/insights/ on a large community, against the bare SQL.

    .venv/bin/python bench/insights.py --db postgres --members 1000000 --ledger-rows 10000000
    .venv/bin/python bench/insights.py --db sqlite --members 100000 --ledger-rows 1000000

The data is generated with bulk SQL (PostgreSQL: INSERT … SELECT over generate_series;
SQLite: executemany from a generator), never through the ORM row by row, with the same
deterministic formulas on both. Then, in this process:

1. the recount: the dashboard (this fiscal year, compared with the last) is requested through
   django.test.Client as an admin with ENISHI_INSIGHTS_MAX_AGE=0 and tasks run in the
   request, so each request counts every figure, as the worker does (--repeat/3 times);
2. the page: with the figures counted, --warmup untimed and --repeat timed requests, as
   staff get the page;
3. for both, the SQL statements one request ran (captured) are executed bare through a
   cursor: the time of the queries alone, without Django, templates or charts;
4. medians and p95, ratios, query counts, and EXPLAIN ANALYZE of the recount's slowest
   statement go to bench/results/insights-<db>.md and .json.

The PostgreSQL database (default `enishi_insights_bench`) is dropped and recreated; SQLite uses
bench/results/var-insights-sqlite/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/enishi_insights_bench"

# Where members live (share in % of the weighted part); the rest spread over all 47.
PREFECTURE_WEIGHTS = {"24": 30, "13": 12, "27": 12, "23": 10, "26": 5, "14": 5, "29": 4,
                      "28": 4, "11": 3, "12": 3}  # fmt: skip
CHANNELS = ["", "friend", "sns", "city_pr", "hometown_tax", "event", "media", "search", "other"]
TIES = ["birthplace", "former_resident", "family", "commute", "business", "tourism",
        "hometown_tax", "culture", "other"]  # fmt: skip
# (upper bound of g % 100, kind, source type, points)
KINDS = [(34, "visit", "visit", 20), (58, "promotion", "post", 10),
         (72, "donation", "donation", 30), (80, "local_activity", "activity_session", 60),
         (86, "local_activity", "", 40), (95, "knowledge", "", 40),
         (100, "migration_trial", "", 50)]  # fmt: skip
SESSIONS = 1000
DAYS = 1460  # members joined over four years


def prefecture_table() -> list[str]:
    """100 slots: k → prefecture code, for k = (i * 37) % 100."""
    table = [code for code, share in PREFECTURE_WEIGHTS.items() for _ in range(share)]
    spread = 100 - len(table)
    table += [f"{k % 47 + 1:02d}" for k in range(spread)]
    return table


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- set-up ---------------------------------------------------------------------------------


def prepare(db: str, pg_url: str, keep: bool = False) -> None:
    """Environment for Django before setup: a scratch database (kept as it is with `keep`)."""
    var_dir = RESULTS / f"var-insights-{db}"
    if not keep:
        shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(ENISHI_VAR_DIR=str(var_dir), ENISHI_ALLOWED_HOSTS="testserver",
                      ENISHI_DEBUG="0", ENISHI_LOG_LEVEL="WARNING",
                      DJANGO_SETTINGS_MODULE="enishi.settings")  # fmt: skip
    os.environ.pop("DATABASE_URL", None)
    if db == "postgres" and keep:
        os.environ["DATABASE_URL"] = pg_url
    elif db == "postgres":
        import psycopg
        from psycopg import sql

        parts = urlsplit(pg_url)
        name = parts.path.lstrip("/")
        if name in {"", "postgres", "template0", "template1"}:
            raise SystemExit(f"bench: refusing to drop the database {name!r}")
        admin = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))  # fmt: skip
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        os.environ["DATABASE_URL"] = pg_url


def _member_row(i: int, now: datetime, community_id: int, prefectures: list[str]):
    """Member i (1-based) as the PostgreSQL generator makes it, for SQLite's executemany."""
    pending, withdrawn = i % 53 == 0, i % 53 != 0 and i % 47 == 0
    joined = None if pending else now - timedelta(days=(i * 7919) % DAYS, seconds=(i * 131) % 86400)
    left = min(now, joined + timedelta(days=30 + i % 300)) if withdrawn else None
    decade = 1940 + 10 * ((i * 31) % 7)
    return {
        "community_id": community_id, "user_id": None,
        "status": "pending" if pending else ("withdrawn" if withdrawn else "active"),
        "number": None if pending else f"B-{i}", "family_name": "伊賀", "given_name": "太郎",
        "family_name_kana": "イガ", "given_name_kana": "タロウ", "nickname": "",
        "search_name": "伊賀太郎", "search_kana": "イガタロウ", "birth_year": decade + i % 10,
        "birth_month": 1 + i % 12, "birth_decade": decade, "gender": "unanswered",
        "postal_code": "5180000", "prefecture_code": prefectures[(i * 37) % 100],
        "municipality_code": "", "city": "", "address_line": "", "phone": "", "tie_other": "",
        "skills_text": "", "channel": CHANNELS[i % 9], "designated_carrier": i % 997 == 0,
        "referral_code": f"R{i}", "referred_by_id": None, "card_key": f"K{i}",
        "created_at": joined or now - timedelta(days=3), "updated_at": now,
        "joined_at": joined, "withdrawn_at": left,
    }  # fmt: skip


def _member_sql(community_id: int, n: int, prefectures: list[str]) -> str:
    values = ", ".join(f"({k}, '{code}')" for k, code in enumerate(prefectures))
    channels = ", ".join(f"'{c}'" for c in CHANNELS)
    return f"""
    INSERT INTO members_member (community_id, user_id, status, number, family_name, given_name,
      family_name_kana, given_name_kana, nickname, search_name, search_kana, birth_year,
      birth_month, birth_decade, gender, postal_code, prefecture_code, municipality_code, city,
      address_line, phone, tie_other, skills_text, channel, designated_carrier, referral_code,
      referred_by_id, card_key, created_at, updated_at, joined_at, withdrawn_at)
    SELECT {community_id}, NULL,
      CASE WHEN i % 53 = 0 THEN 'pending' WHEN i % 47 = 0 THEN 'withdrawn' ELSE 'active' END,
      CASE WHEN i % 53 = 0 THEN NULL ELSE 'B-' || i END, '伊賀', '太郎', 'イガ', 'タロウ', '',
      '伊賀太郎', 'イガタロウ', 1940 + 10 * ((i * 31) % 7) + i % 10, 1 + i % 12,
      1940 + 10 * ((i * 31) % 7), 'unanswered', '5180000', p.code, '', '', '', '', '', '',
      (ARRAY[{channels}])[1 + i % 9], i % 997 = 0, 'R' || i, NULL, 'K' || i,
      COALESCE(joined, now() - interval '3 days'), now(), joined,
      CASE WHEN i % 53 <> 0 AND i % 47 = 0
           THEN LEAST(now(), joined + (30 + i % 300) * interval '1 day') END
    FROM (SELECT i, CASE WHEN i % 53 = 0 THEN NULL ELSE now()
                 - ((i::bigint * 7919) % {DAYS}) * interval '1 day'
                 - ((i::bigint * 131) % 86400) * interval '1 second' END AS joined
          FROM generate_series(1, {n}) i) s
    JOIN (VALUES {values}) p(k, code) ON p.k = (s.i::bigint * 37) % 100
    """


def _kind_case(column: str, index: int) -> str:
    parts = " ".join(f"WHEN {column} < {upper} THEN {value!r}"
                     for upper, *rest in KINDS for value in [rest[index]])  # fmt: skip
    return f"CASE {parts} END"


def generate(db: str, members: int, ledger_rows: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from enishi.activities.models import Activity, ActivitySession
    from enishi.communities.models import Community, Organizer
    from enishi.members.models import Member

    community = Community.objects.get(slug="iga")
    cid = community.pk
    prefectures = prefecture_table()
    now = timezone.now()
    timings = {}
    columns = [f.column for f in Member._meta.concrete_fields if f.column != "id"]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if db == "postgres":
            cursor.execute(_member_sql(cid, members, prefectures))
        else:
            sql = (f"INSERT INTO members_member ({', '.join(columns)}) VALUES "
                   f"({', '.join(['%s'] * len(columns))})")  # fmt: skip
            for first in range(1, members + 1, 20_000):
                rows = (_member_row(i, now, cid, prefectures)
                        for i in range(first, min(members, first + 19_999) + 1))  # fmt: skip
                cursor.executemany(sql, [[r[c] for c in columns] for r in rows])
    timings["members_s"] = round(time.perf_counter() - started, 1)
    first_id = Member.objects.filter(community=community).order_by("pk")[0].pk

    # Ties (one or two each), interests: INSERT … SELECT on both databases.
    started = time.perf_counter()
    ties = " ".join(f"WHEN {k} THEN '{t}'" for k, t in enumerate(TIES))
    topic_ids = list(community.tags.filter(kind="topic").values_list("pk", flat=True)[:9])
    topics = " ".join(f"WHEN {k} THEN {t}" for k, t in enumerate(topic_ids))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO members_membertie (member_id, tie) SELECT id, "
                       f"CASE id % 9 {ties} END FROM members_member")  # fmt: skip
        cursor.execute(f"INSERT INTO members_membertie (member_id, tie) SELECT id, "
                       f"CASE (id + 4) % 9 {ties} END FROM members_member "
                       f"WHERE id % 3 = 0")  # fmt: skip
        cursor.execute(f"INSERT INTO members_member_topics (member_id, tag_id) SELECT id, "
                       f"CASE id % {len(topic_ids)} {topics} END FROM members_member")  # fmt: skip
    timings["ties_topics_s"] = round(time.perf_counter() - started, 1)

    # Activities and sessions (ORM bulk_create: a thousand rows), applications in SQL.
    started = time.perf_counter()
    organizer, _new = Organizer.objects.get_or_create(community=community, name="bench 主催")
    activities = Activity.objects.bulk_create(
        Activity(community=community, organizer=organizer, title=f"伊賀の活動 {n}",
                 use=["local_activity", "knowledge", "migration_trial", "promotion"][n % 4],
                 opens_at=now - timedelta(days=800), closes_at=now - timedelta(days=1),
                 status=Activity.Status.CLOSED)
        for n in range(SESSIONS // 2)
    )  # fmt: skip
    ActivitySession.objects.bulk_create(
        ActivitySession(activity=activities[n % len(activities)],
                        starts_at=now - timedelta(days=(n * 37) % 730, hours=n % 7),
                        capacity=40)
        for n in range(SESSIONS)
    )  # fmt: skip
    first_session = ActivitySession.objects.order_by("pk").values_list("pk", flat=True)[0]
    statuses = "CASE g %% 10 WHEN 0 THEN 'no_show' WHEN 1 THEN 'cancelled' WHEN 2 THEN " \
               "'applied' WHEN 3 THEN 'accepted' ELSE 'attended' END"  # fmt: skip
    n_applications = min(members // 4, 250_000)
    apps = (f"SELECT {first_session} + g %% {SESSIONS}, {first_id} + (g * 7919) %% {members}, "
            f"{statuses}, '[]', %s, %s FROM {{series}}")  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        insert = ("INSERT INTO activities_application (session_id, member_id, status, answers, "
                  "created_at, updated_at) ")  # fmt: skip
        if db == "postgres":
            cursor.execute(insert + apps.format(series=f"generate_series(1, {n_applications}) g")
                           + " ON CONFLICT DO NOTHING", [now, now])  # fmt: skip
        else:
            cursor.execute(f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s "
                           f"WHERE g < {n_applications}) INSERT OR IGNORE INTO "
                           f"activities_application (session_id, member_id, status, answers, "
                           f"created_at, updated_at) " + apps.format(series="s"),
                           [now, now])  # fmt: skip
    timings["activities_s"] = round(time.perf_counter() - started, 1)

    # The ledger: a registration per joined member, then the rest, skewed towards some members
    # (a third never do anything), dated between joining and now (or withdrawal). On
    # PostgreSQL the ledger's indexes are dropped for the load and built again after it, and
    # foreign-key triggers are off meanwhile (the rows are consistent by construction).
    started = time.perf_counter()
    indexes = []
    if db == "postgres":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ledger_engagement' "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET session_replication_role = replica")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_engagement (community_id, member_id, kind, source_type, "
            "source_id, points, occurred_at, note, corrects_id, created_by_id, created_at) "
            f"SELECT {cid}, id, 'registration', 'registration', id, 10, joined_at, '', NULL, "
            "NULL, joined_at FROM members_member WHERE joined_at IS NOT NULL"
        )
        registrations = cursor.rowcount
        rest = max(0, ledger_rows - registrations)
        if db == "postgres":
            cursor.execute(f"""
            INSERT INTO ledger_engagement (community_id, member_id, kind, source_type,
              source_id, points, occurred_at, note, corrects_id, created_by_id, created_at)
            SELECT {cid}, m.id, {_kind_case('g.k', 0)}, {_kind_case('g.k', 1)},
              CASE WHEN g.k >= 72 AND g.k < 80 THEN g.g END, {_kind_case('g.k', 2)},
              m.joined_at + (COALESCE(m.withdrawn_at, now()) - m.joined_at) * g.f, '', NULL,
              NULL, now()
            FROM (SELECT g, g % 100 AS k, ((g::bigint * 40503) % 10007) / 10007.0 AS f,
                         floor(power(((g::bigint * 2654435761) % 1000003) / 1000003.0, 2)
                               * {members})::bigint AS idx
                  FROM generate_series(1, {rest}) g) g
            JOIN members_member m ON m.id = {first_id} + g.idx - CASE WHEN g.idx % 3 = 2
                                                                 THEN 1 ELSE 0 END
            WHERE m.joined_at IS NOT NULL
            """)
        else:
            cursor.execute("SELECT id, joined_at, withdrawn_at FROM members_member ORDER BY id")
            from django.utils.dateparse import parse_datetime

            spans = []
            for _id, joined, left in cursor.fetchall():
                if joined is None:
                    spans.append(None)
                    continue
                start = joined if isinstance(joined, datetime) else parse_datetime(joined)
                end = now if not left else (
                    left if isinstance(left, datetime) else parse_datetime(left))  # fmt: skip
                spans.append((start, (end - start).total_seconds()))
            sql = ("INSERT INTO ledger_engagement (community_id, member_id, kind, source_type, "
                   "source_id, points, occurred_at, note, corrects_id, created_by_id, created_at) "
                   "VALUES (%s, %s, %s, %s, %s, %s, %s, '', NULL, NULL, %s)")  # fmt: skip

            def rows(first, last):
                for g in range(first, last):
                    idx = int((((g * 2654435761) % 1000003) / 1000003.0) ** 2 * members)
                    idx -= 1 if idx % 3 == 2 else 0
                    span = spans[idx] if idx < len(spans) else None
                    if span is None:
                        continue
                    k = g % 100
                    upper, kind, source, points = next(x for x in KINDS if k < x[0])
                    at = span[0] + timedelta(seconds=span[1] * ((g * 40503) % 10007) / 10007.0)
                    yield (cid, first_id + idx, kind, source, g if 72 <= k < 80 else None,
                           points, at, now)  # fmt: skip

            for first in range(1, rest + 1, 50_000):
                cursor.executemany(sql, list(rows(first, min(rest + 1, first + 50_000))))
        cursor.execute(
            "INSERT INTO ledger_engagement (community_id, member_id, kind, source_type, "
            "source_id, points, occurred_at, note, corrects_id, created_by_id, created_at) "
            "SELECT community_id, member_id, kind, source_type, source_id, -points, "
            "created_at, '', id, NULL, created_at FROM ledger_engagement "
            "WHERE id % 500 = 0 AND kind <> 'registration'"
        )
    timings["ledger_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if db == "postgres":
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
    timings["ledger_indexes_s"] = round(time.perf_counter() - started, 1)
    # The dashboard's summary tables, from the ledger just loaded (as after an import).
    started = time.perf_counter()
    from enishi.insights.summaries import rebuild

    timings["summary_rows"] = rebuild(community=community)
    timings["summaries_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if db == "postgres" else "ANALYZE")
    timings["analyze_s"] = round(time.perf_counter() - started, 1)
    return timings


# --- measuring ------------------------------------------------------------------------------


def _median_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _statements(captured) -> list[str]:
    # Server-side cursors (DECLARE … CURSOR FOR SELECT …) are replayed as their SELECT.
    return [re.sub(r"^DECLARE .*? CURSOR (WITH|WITHOUT) HOLD FOR ", "", q["sql"])
            for q in captured.captured_queries
            if "SELECT" in q["sql"][:120] or q["sql"].startswith("SET LOCAL")]  # fmt: skip


def _bare(statements: list[str], times: int) -> tuple[list[float], dict[str, float]]:
    """Run the statements through a cursor `times` times: the aggregates alone."""
    from django.db import connection, transaction

    bare, slowest = [], {}
    for _ in range(times):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in statements:
                t = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall() if cursor.description else None
                slowest[sql] = min(slowest.get(sql, 1e9), time.perf_counter() - t)
        bare.append(time.perf_counter() - started)
    return bare, slowest


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def measure(db: str, repeat: int, warmup: int) -> dict:
    """Two figures: the recount (every figure counted, as the worker does when they are older
    than ENISHI_INSIGHTS_MAX_AGE) and the page as staff get it (drawn from counted figures).
    Tasks run in the request here (immediate backend) so a recount is one timed request."""
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from enishi.communities.models import Community
    from enishi.ledger.models import Engagement
    from enishi.members.models import Member
    from tests.factories import staff_user

    immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    override_settings(TASKS=immediate).enable()  # (tells the task handler, unlike assigning)
    cache.clear()  # no figures or refresh locks left by an earlier run
    community = Community.objects.get(slug="iga")
    client = Client()
    # A new login each run (a kept database already has the earlier ones).
    login = f"bench-{time.time_ns()}"
    client.force_login(staff_user(community, username=login, email=f"{login}@example.jp"))
    url = "/staff/insights/"

    override_settings(ENISHI_INSIGHTS_MAX_AGE=0).enable()  # every request recounts
    recount = []
    for _ in range(max(3, repeat // 3)):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        recount.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    recount_statements = _statements(captured)
    recount_bare, slowest = _bare(recount_statements, max(3, repeat // 3))

    override_settings(ENISHI_INSIGHTS_MAX_AGE=24 * 3600).enable()  # staff read what was counted
    for _ in range(warmup):
        assert client.get(url).status_code == 200
    page = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        page.append(time.perf_counter() - started)
        assert response.status_code == 200 and "時点の集計です" in response.content.decode()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    page_statements = _statements(captured)
    page_bare, _slowest = _bare(page_statements, repeat)
    reset_queries()

    top = sorted(slowest.items(), key=lambda item: -item[1])[:5]
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if db == "postgres"
                        else "EXPLAIN QUERY PLAN ") + top[0][0])  # fmt: skip
        plan = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
    page_median, page_p95 = _median_p95(page)
    bare_median, bare_p95 = _median_p95(page_bare)
    recount_median, recount_p95 = _median_p95(recount)
    recount_bare_median, recount_bare_p95 = _median_p95(recount_bare)
    return {
        "members": Member.objects.filter(community=community).count(),
        "ledger_rows": Engagement.objects.filter(community=community).count(),
        "page_median_ms": _ms(page_median),
        "page_p95_ms": _ms(page_p95),
        "bare_sql_median_ms": _ms(bare_median),
        "bare_sql_p95_ms": _ms(bare_p95),
        "ratio": round(page_median / bare_median, 2) if bare_median else None,
        "queries": len(page_statements),
        "recount_median_ms": _ms(recount_median),
        "recount_p95_ms": _ms(recount_p95),
        "recount_bare_sql_median_ms": _ms(recount_bare_median),
        "recount_bare_sql_p95_ms": _ms(recount_bare_p95),
        "recount_ratio": round(recount_median / recount_bare_median, 2),
        "recount_queries": len(recount_statements),
        "slowest": [{"ms": _ms(s), "sql": sql[:400]} for sql, s in top],
        "plan_of_slowest": plan,
        "repeat": repeat,
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--ledger-rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL))
    parser.add_argument("--measure-only", action="store_true",
                        help="measure the data a previous run generated (after a code change)")
    parser.add_argument("--generate-only", action="store_true",
                        help="generate the data and stop (measure later with --measure-only)")
    args = parser.parse_args()
    prepare(args.db, args.pg_url, keep=args.measure_only)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # No collectstatic in a scratch directory: plain static storage is enough for timing.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # fmt: skip
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    setup = {"migrate_s": round(time.perf_counter() - started, 1)}
    _log(f"bench: {args.members:,} members, {args.ledger_rows:,} ledger rows ({args.db})")
    if not args.measure_only:
        setup.update(generate(args.db, args.members, args.ledger_rows))
    _log(f"bench: generated in {setup}; measuring")
    if args.generate_only:
        return
    result = {"db": args.db, "when": datetime.now(UTC).isoformat(timespec="seconds"),
              "setup": setup, **measure(args.db, args.repeat, args.warmup)}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"insights-{args.db}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False)
    )
    lines = [
        f"# /staff/insights/ on {args.db} — {result['when']}", "",
        f"{result['members']:,} members, {result['ledger_rows']:,} ledger rows; "
        f"set-up {setup}", "",
        "| | median ms | p95 ms | queries |", "|---|---|---|---|",
        f"| dashboard page (counted figures) | {result['page_median_ms']} | "
        f"{result['page_p95_ms']} | {result['queries']} |",
        f"| its SQL, bare | {result['bare_sql_median_ms']} | {result['bare_sql_p95_ms']} | |",
        f"| recount (the worker, every figure) | {result['recount_median_ms']} | "
        f"{result['recount_p95_ms']} | {result['recount_queries']} |",
        f"| its SQL, bare | {result['recount_bare_sql_median_ms']} | "
        f"{result['recount_bare_sql_p95_ms']} | |", "",
        f"ratio page / its bare SQL: {result['ratio']}; recount / its bare SQL: "
        f"{result['recount_ratio']}; load average {result['load_average']}", "",
        "## Slowest statements of the recount", "",
        *[f"- {s['ms']} ms: `{s['sql'][:200]}…`" for s in result["slowest"]], "",
        "## Plan of the slowest", "", "```", result["plan_of_slowest"], "```",
    ]  # fmt: skip
    (RESULTS / f"insights-{args.db}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:12]))


if __name__ == "__main__":
    main()
