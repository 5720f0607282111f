"""Time the hash-chained audit log: writing one event (the chain head is locked per write) and
verifying the whole chain (`enishi audit verify`).

    .venv/bin/python bench/audit.py [--rows 1000000] [--db sqlite|postgres]

Uses a scratch database: SQLite under bench/results/var-audit/, or PostgreSQL database
`enishi_bench_audit` (dropped and recreated). Rows are generated in bulk with their real hashes,
then `audit_record` is timed 200 times and the chain verified once.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def prepare(db: str) -> dict:
    env = dict(os.environ)
    if db == "sqlite":
        var = RESULTS / "var-audit"
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
        env.update(ENISHI_VAR_DIR=str(var), DATABASE_URL="")
    else:
        admin = "postgresql://postgres@127.0.0.1:5432/postgres"
        for sql in ("DROP DATABASE IF EXISTS enishi_bench_audit",
                    "CREATE DATABASE enishi_bench_audit"):  # fmt: skip
            subprocess.run(["psql", admin, "-qc", sql], check=True)
        env.update(DATABASE_URL="postgres://postgres@127.0.0.1:5432/enishi_bench_audit")
        env.setdefault("ENISHI_VAR_DIR", str(RESULTS / "var-audit-pg"))
    enishi = Path(sys.executable).parent / "enishi"
    subprocess.run([enishi, "migrate", "-v0"], env=env, check=True)
    return env


def measure(rows: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enishi.settings")
    django.setup()
    from django.db import transaction

    from enishi.communities.models import Community
    from enishi.core.models import User
    from enishi.privacy.models import GENESIS_HASH, AuditChainHead, AuditEvent, event_hash
    from enishi.privacy.selectors import audit_chain_problems
    from enishi.privacy.services import audit_record

    community = Community.objects.get(slug="iga")
    actor = User.objects.create_user(username="bench", email="bench@example.jp")
    start = datetime(2026, 4, 1, tzinfo=UTC)
    previous, batch = GENESIS_HASH, []
    began = time.perf_counter()
    for n in range(1, rows + 1):
        event = AuditEvent(
            sequence=n, community=community, actor=actor, action="member_view",
            row_count=1, detail={"page": n % 50}, ip_address="192.0.2.1",
            created_at=start + timedelta(seconds=n), previous_hash=previous,
        )  # fmt: skip
        event.hash = previous = event_hash(event)
        batch.append(event)
        if len(batch) == 5000:
            with transaction.atomic():
                AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    AuditChainHead.objects.update_or_create(pk=1, defaults={"sequence": rows, "hash": previous})
    print(f"generated {rows:,} chained rows in {time.perf_counter() - began:.1f} s")

    timings = []
    for _ in range(200):
        began = time.perf_counter()
        audit_record(actor=actor, community=community, action="member_view",
                     ip_address="192.0.2.1", row_count=1)  # fmt: skip
        timings.append((time.perf_counter() - began) * 1000)
    print(f"audit_record: median {statistics.median(timings):.2f} ms, "
          f"p95 {sorted(timings)[189]:.2f} ms")  # fmt: skip

    began = time.perf_counter()
    checked, problems = audit_chain_problems()
    elapsed = time.perf_counter() - began
    print(f"verify: {checked:,} rows in {elapsed:.1f} s ({checked / elapsed:,.0f} rows/s), "
          f"{len(problems)} problems")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.rows)
        return
    env = prepare(args.db)
    print(f"== {args.db}")
    subprocess.run([sys.executable, __file__, "--measure", "--rows", str(args.rows)],
                   env=env, check=True)  # fmt: skip


if __name__ == "__main__":
    main()
