"""Mailings at scale, on PostgreSQL: segment counts over 1,000,000 members, rendering and
queueing a mailing to 100,000 recipients, and delivering 10,000 to a local SMTP sink.

    .venv/bin/python bench/mailings.py [--members 1000000] [--queue 100000]
        [--deliver 10000] [--repeat 5] [--pg-url URL] [--keep]      (make bench-mailings)

The PostgreSQL database in --pg-url (default $BENCH_MAILINGS_DATABASE_URL or
postgres://postgres@127.0.0.1:5432/enishi_bench_mailings) is dropped and recreated, migrated,
and filled with bulk SQL (INSERT … SELECT generate_series): members with logins, ties, uses,
topics, newsletter consents (40%) and a ledger (a registration for every member who joined plus
about 500,000 attendances and visits), so ranks and stages have something to derive from.
Results go to bench/results/mailings.md and .json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(Path(__file__).resolve().parent))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/enishi_bench_mailings"

# Prefectures in rough proportion to 伊賀衆's members (Mie, Aichi, Osaka and Tokyo first).
PREFECTURES = (
    ["24"] * 30 + ["23"] * 14 + ["27"] * 14 + ["13"] * 12 + ["26"] * 5 + ["28"] * 4
    + ["29"] * 4 + ["14"] * 3 + ["11"] * 2 + ["12"] * 2 + ["25"] * 2 + ["22"] * 2
    + ["21"] * 2 + ["01", "04", "15", "20", "34", "40"]
)  # fmt: skip
TIES = ["birthplace", "former_resident", "family", "commute", "business", "tourism",
        "hometown_tax", "culture", "other"]  # fmt: skip
USES = ["knowledge", "visit", "donation", "local_activity", "migration_trial", "promotion"]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def generate(members: int) -> dict:
    """Fill the database with bulk SQL; returns the seconds each step took."""
    from django.db import connection

    from enishi.communities.models import Community, Tag

    community = Community.objects.get(slug="iga")
    topics = list(
        Tag.objects.filter(community=community, kind="topic").values_list("pk", flat=True)
    )
    timings = {}
    steps = [
        ("users", f"""
            INSERT INTO core_user (password, is_superuser, username, first_name, last_name,
                                   email, is_staff, is_active, date_joined)
            SELECT '!', false, 'bench' || g, '', '', 'bench' || g || '@example.jp', false, true,
                   now()
            FROM generate_series(1, {members}) g"""),
        ("members", f"""
            INSERT INTO members_member (community_id, user_id, status, number, family_name,
                given_name, family_name_kana, given_name_kana, nickname, search_name,
                search_kana, birth_year, birth_month, birth_decade, gender, postal_code,
                prefecture_code, municipality_code, city, address_line, phone, tie_other,
                skills_text, channel, designated_carrier, referral_code, card_key, created_at,
                updated_at, joined_at, withdrawn_at)
            SELECT {community.pk}, u.id,
                CASE WHEN g % 50 = 0 THEN 'withdrawn' WHEN g % 20 = 1 THEN 'pending'
                     ELSE 'active' END,
                CASE WHEN g % 20 = 1 THEN NULL ELSE 'B-' || lpad(g::text, 7, '0') END,
                '伊賀', '太郎' || (g % 100), 'イガ', 'タロウ',
                CASE WHEN g % 2 = 0 THEN '忍' || (g % 100) ELSE '' END,
                '伊賀太郎', 'イガタロウ', 1950 + (g * 7) % 57, 1 + g % 12,
                (1950 + (g * 7) % 57) / 10 * 10, 'unanswered', '',
                ({_array(PREFECTURES)})[1 + (g::bigint * 7919) % {len(PREFECTURES)}],
                '', '', '', '',
                '', '', 'sns', g % 997 = 0, 'R' || g, 'K' || g,
                now() - ((g * 13) % 730) * interval '1 day',
                now(),
                CASE WHEN g % 20 = 1 THEN NULL
                     ELSE now() - ((g * 13) % 730) * interval '1 day' END,
                CASE WHEN g % 50 = 0 THEN now() - interval '10 days' END
            FROM generate_series(1, {members}) g
            JOIN core_user u ON u.username = 'bench' || g"""),
        ("ties", f"""
            INSERT INTO members_membertie (member_id, tie)
            SELECT id, ({_array(TIES)})[1 + id % 9] FROM members_member"""),
        ("uses", f"""
            INSERT INTO members_memberuse (member_id, use)
            SELECT id, ({_array(USES)})[1 + (id / 2) % 6] FROM members_member
            WHERE id % 2 = 0"""),
        ("topics", f"""
            INSERT INTO members_member_topics (member_id, tag_id)
            SELECT id, (ARRAY[{",".join(map(str, topics))}])[1 + id % {len(topics)}]
            FROM members_member WHERE id % 10 < 3"""),
        ("consents", """
            INSERT INTO privacy_consent (member_id, purpose, granted, version, source,
                                         recorded_at)
            SELECT id, 'newsletter_email', id % 5 < 2, '1.0', 'join', created_at
            FROM members_member"""),
        ("ledger: registrations", f"""
            INSERT INTO ledger_engagement (community_id, member_id, kind, source_type,
                source_id, points, occurred_at, note, created_at)
            SELECT {community.pk}, id, 'registration', 'registration', id, 10, joined_at, '',
                   now()
            FROM members_member WHERE joined_at IS NOT NULL"""),
        ("ledger: attendances and visits", f"""
            INSERT INTO ledger_engagement (community_id, member_id, kind, source_type,
                source_id, points, occurred_at, note, created_at)
            SELECT {community.pk}, m.id,
                CASE WHEN k % 3 = 0 THEN 'visit' ELSE 'local_activity' END,
                CASE WHEN k % 3 = 0 THEN '' ELSE 'activity_session' END,
                CASE WHEN k % 3 = 0 THEN NULL ELSE k END,
                CASE WHEN k % 3 = 0 THEN 5 ELSE 20 END,
                now() - ((m.id * 17 + k * 29) % 500) * interval '1 day', '', now()
            FROM members_member m
            CROSS JOIN generate_series(1, 5) k
            WHERE m.joined_at IS NOT NULL AND m.id % 10 < 1 + k % 2"""),
    ]
    with connection.cursor() as cursor:
        for name, sql in steps:
            started = time.perf_counter()
            cursor.execute(sql)
            timings[name] = round(time.perf_counter() - started, 1)
            _log(f"  {name}: {cursor.rowcount:,} rows in {timings[name]} s")
        started = time.perf_counter()
        cursor.execute("ANALYZE")
        timings["analyze"] = round(time.perf_counter() - started, 1)
    return timings


def _median_ms(fn, repeat: int) -> tuple[float, list[float]]:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1), [round(t, 1) for t in times]


def segment_counts(repeat: int) -> list[dict]:
    from enishi.communities.models import Community, Rank, Tag
    from enishi.mailings.selectors import segment_members, segment_preview

    community = Community.objects.get(slug="iga")
    farming = Tag.objects.get(community=community, kind="topic", name="農業").pk
    rank = str(Rank.objects.get(community=community, name="中忍").pk)
    cases = [
        ("everyone who consented", "all", {"everyone": True}),
        ("関西 or 東海 (regions, OR)", "any", {"regions": ["kansai", "tokai"]}),
        ("20〜30代 interested in 移住体験 (AND)", "all",
         {"age_bands": ["20", "30"], "uses": ["migration_trial"]}),
        ("関東 AND topic 農業 AND tie 出身", "all",
         {"regions": ["kanto"], "topics": [farming], "ties": ["birthplace"]}),
        ("no engagement for 180 days", "all", {"inactive_days": 180}),
        ("rank 中忍 (from the ledger)", "all", {"rank": rank}),
        ("stage 継続 (from the ledger)", "all", {"stage": "continuing"}),
        ("everything, OR", "any", {"regions": ["kansai"], "uses": ["visit"],
                                   "inactive_days": 365, "stage": "carrier"}),
    ]  # fmt: skip
    results = []
    for name, match, conditions in cases:
        count = segment_members(community=community, match=match, conditions=conditions).count()

        def live(match=match, conditions=conditions):
            # What the segment page runs as conditions change: the count and a sample.
            segment_preview(community=community, match=match, conditions=conditions)

        median, times = _median_ms(live, repeat)
        _log(f"  {name}: {count:,} members, median {median} ms")
        results.append({"segment": name, "count": count, "median_ms": median, "runs_ms": times})
    return results


def _mailing(community, topic, body: str, subject: str):
    from enishi.mailings.models import Mailing, Segment

    segment, _ = Segment.objects.get_or_create(
        community=community, name="bench: everyone", defaults={"conditions": {"everyone": True}}
    )
    return Mailing.objects.create(community=community, topic=topic, segment=segment,
                                  subject=subject, body=body)  # fmt: skip


def _first(n: int, topic):
    """The first n members mail may reach (by pk), as a queryset."""
    from enishi.mailings.selectors import reachable_members

    reachable = reachable_members(community=topic.community, topic=topic).order_by("pk")
    last = reachable.values_list("pk", flat=True)[n - 1]
    return reachable.filter(pk__lte=last)


BODY = """{nickname}さん、こんにちは。伊賀衆事務局です。

## 今月の伊賀
上野城の紅葉が見ごろです。**会員番号 {member_number}** のカードで協力店の特典が受けられます。

いまのランクは **{rank}**（{points}ポイント）です。マイページ：{mypage_url}
"""


def render_and_queue(n: int, settings) -> dict:
    from django.db import transaction

    from enishi.mailings.models import Delivery, MailTopic
    from enishi.mailings.services import mailing_deliver, mailing_queue

    topic = MailTopic.objects.filter(community__slug="iga").first()
    mailing = _mailing(topic.community, topic, BODY, "伊賀衆だより：{nickname}さんへ")
    members = _first(n, topic)
    started = time.perf_counter()
    with transaction.atomic():
        queued = mailing_queue(mailing=mailing, members=members)
    queue_s = time.perf_counter() - started
    _log(f"  queued {queued:,} in {queue_s:.1f} s")
    # Render every message through the worker's own path, with a backend that drops them.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
    started = time.perf_counter()
    run = mailing_deliver(mailing_id=mailing.pk, batch_size=200)
    render_s = time.perf_counter() - started
    done = Delivery.objects.filter(mailing=mailing, status="sent").count()
    _log(f"  rendered {run.sent:,} in {render_s:.1f} s")
    return {
        "recipients": queued,
        "queue_seconds": round(queue_s, 2),
        "queue_per_second": round(queued / queue_s),
        "render_seconds": round(render_s, 2),
        "render_per_second": round(run.sent / render_s),
        "render_and_queue_per_second": round(queued / (queue_s + render_s)),
        "marked_sent": done,
    }


def deliver(n: int, settings, *, interrupt: bool) -> dict:
    from aiosmtpd.controller import Controller
    from django.db import transaction
    from django.utils import timezone

    from enishi.mailings.models import Delivery, MailTopic
    from enishi.mailings.services import mailing_deliver, mailing_queue

    class Sink:
        def __init__(self):
            self.recipients = []
            self.lock = threading.Lock()

        async def handle_DATA(self, server, session, envelope):
            with self.lock:
                self.recipients.extend(envelope.rcpt_tos)
            return "250 OK"

    sink = Sink()
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    servers = [Controller(sink, hostname="127.0.0.1", port=port)]
    servers[0].start()
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
    }}  # fmt: skip
    topic = MailTopic.objects.filter(community__slug="iga").first()
    mailing = _mailing(topic.community, topic, BODY, "配信テスト：{nickname}さんへ")
    with transaction.atomic():
        mailing_queue(mailing=mailing, members=_first(n, topic))
    restarts = []

    def stop_and_restart():
        while len(sink.recipients) < n * 3 // 10:
            time.sleep(0.01)
        servers[0].stop()
        restarts.append(len(sink.recipients))
        time.sleep(1.0)
        servers[0] = Controller(sink, hostname="127.0.0.1", port=port)
        servers[0].start()

    if interrupt:
        threading.Thread(target=stop_and_restart, daemon=True).start()
    started = time.perf_counter()
    runs = 0
    clock = [timezone.now()]
    while Delivery.objects.filter(mailing=mailing, status__in=["queued", "sending"]).exists():
        runs += 1
        with mock.patch("django.utils.timezone.now", side_effect=lambda: max(
                clock[0], datetime.now(UTC))):  # fmt: skip
            run = mailing_deliver(mailing_id=mailing.pk, batch_size=200)
        if run.retry_at is not None:
            time.sleep(1.2)  # the server comes back; then act as if the back-off had passed
            clock[0] = run.retry_at + timedelta(seconds=1)
        if runs > 20:
            break
    elapsed = time.perf_counter() - started
    servers[0].stop()
    sent = Delivery.objects.filter(mailing=mailing, status="sent").count()
    received = len(sink.recipients)
    unique = len(set(sink.recipients))
    result = {
        "recipients": n,
        "interrupted": interrupt,
        "server_stopped_after": restarts[0] if restarts else None,
        "worker_runs": runs,
        "seconds": round(elapsed, 2),
        "per_second": round(received / elapsed),
        "marked_sent": sent,
        "received": received,
        "lost": n - unique,
        "doubled": received - unique,
    }
    _log(f"  {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--queue", type=int, default=100_000)
    parser.add_argument("--deliver", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_MAILINGS_DATABASE_URL",
                                                           DEFAULT_URL))  # fmt: skip
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="measure a database kept by --keep again, without regenerating")
    parser.add_argument("--segments-only", action="store_true")
    args = parser.parse_args()

    from run import _pg_reachable, _pg_recreate

    if problem := _pg_reachable(args.pg_url):
        raise SystemExit(f"bench: PostgreSQL is not reachable: {problem}")
    if not args.reuse:
        _pg_recreate(args.pg_url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DATABASE_URL=args.pg_url,
        ENISHI_VAR_DIR=str(RESULTS / "var-mailings"),
        ENISHI_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="enishi.settings",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    report = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "args": vars(args)}
    try:
        _log("migrate")
        call_command("migrate", verbosity=0)
        if not args.reuse:
            _log(f"generate {args.members:,} members")
            report["generate_seconds"] = generate(args.members)
        _log("segment counts")
        report["segments"] = segment_counts(args.repeat)
        if args.segments_only:
            print(json.dumps(report["segments"], ensure_ascii=False, indent=1))
            return
        _log(f"render and queue {args.queue:,}")
        report["render_and_queue"] = render_and_queue(args.queue, settings)
        _log(f"deliver {args.deliver:,} to aiosmtpd")
        report["deliver"] = deliver(args.deliver, settings, interrupt=False)
        _log(f"deliver {args.deliver:,} to aiosmtpd, server stopped and restarted on the way")
        report["deliver_interrupted"] = deliver(args.deliver, settings, interrupt=True)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _pg_recreate(args.pg_url, drop_only=True)
    (RESULTS / "mailings.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    lines = [f"# Mailings benchmark ({report['date']}, {args.members:,} members)", "",
             "| segment (live count + sample of 10) | members | median ms |",
             "|---|---:|---:|"]  # fmt: skip
    lines += [f"| {s['segment']} | {s['count']:,} | {s['median_ms']} |" for s in report["segments"]]
    rq = report["render_and_queue"]
    lines += ["", f"Queue {rq['recipients']:,}: {rq['queue_per_second']:,}/s; render "
              f"{rq['render_per_second']:,}/s; together {rq['render_and_queue_per_second']:,}/s.",
              ""]  # fmt: skip
    for key in ("deliver", "deliver_interrupted"):
        d = report[key]
        lines.append(f"{key}: {d['received']:,} received in {d['seconds']} s "
                     f"({d['per_second']:,}/s), lost {d['lost']}, doubled {d['doubled']}, "
                     f"server stopped after {d['server_stopped_after']}")  # fmt: skip
    (RESULTS / "mailings.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
