"""ふるさと納税 import at scale: a generated portal export loaded by enishi's import (mapping,
normalisation, row identity, matching, one transaction per 1,000 rows) into SQLite and
PostgreSQL, beside the same file loaded with django-import-export and with PostgreSQL's COPY
into a bare table; then matching throughput against the members.

    .venv/bin/python bench/donations.py [--rows 1000000] [--members 100000]
        [--ie-rows 100000] [--match-rows 100000] [--db both] [--pg-url URL]
                                                            (make bench-donations)

Each measurement runs in its own process (`--phase …`), so its peak resident memory (from
`wait4`) is its own. The SQLite file lives in bench/results/var-donations-sqlite/; the
PostgreSQL database in --pg-url (default $BENCH_DONATIONS_DATABASE_URL or
postgres://postgres@127.0.0.1:5432/enishi_bench_donations) is dropped and recreated.
Results go to bench/results/donations.md and .json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/enishi_bench_donations"
PYTHON = sys.executable
ENISHI = str(Path(PYTHON).parent / "enishi")

FAMILY = [
    ("伊賀", "イガ"), ("服部", "ハットリ"), ("高橋", "タカハシ"), ("渡辺", "ワタナベ"),
    ("田中", "タナカ"), ("中村", "ナカムラ"), ("山本", "ヤマモト"), ("小林", "コバヤシ"),
    ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐藤", "サトウ"),
    ("藤原", "フジワラ"), ("森", "モリ"), ("松本", "マツモト"), ("井上", "イノウエ"),
]  # fmt: skip
VARIANT = {"高橋": "髙橋", "渡辺": "渡邉"}
GIVEN = ["太郎", "花子", "一郎", "健", "直子", "翔", "陽子", "誠", "美咲", "大輔", "愛", "拓也"]
PLACES = [
    ("13", "東京都", "千代田区"), ("13", "東京都", "新宿区"), ("27", "大阪府", "大阪市北区"),
    ("23", "愛知県", "名古屋市中村区"), ("24", "三重県", "伊賀市"),
    ("26", "京都府", "京都市下京区"),
    ("28", "兵庫県", "神戸市中央区"), ("14", "神奈川県", "横浜市中区"),
]  # fmt: skip
PORTALS = ["ふるさとチョイス", "楽天ふるさと納税", "さとふる", "ふるなび", "au PAY ふるさと納税"]
GIFTS = ["伊賀牛すき焼き用 500g", "伊賀焼 土鍋", "伊賀米 10kg", "組紐ストラップ", "地酒セット"]
HEADERS = ["受付番号", "寄附日", "寄附金額", "氏名", "フリガナ", "郵便番号", "住所", "電話番号",
           "メールアドレス", "返礼品", "ポータル", "自治体からのお知らせ"]  # fmt: skip


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


SYLLABLES = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
)


def _kana_of(n: int) -> str:
    """A distinct kana reading per number (people's names are many; the bench's are too)."""
    out = ""
    while True:
        n, r = divmod(n, len(SYLLABLES))
        out += SYLLABLES[r]
        if not n:
            return out


def person(k: int) -> dict:
    """The k-th person of the bench population (members are the first `members` of them):
    one of a few family names, a given name and reading of their own, one of ~90,000 postal
    codes (real exports spread over Japan's 120,000)."""
    family, family_kana = FAMILY[k % len(FAMILY)]
    given = GIVEN[(k // len(FAMILY)) % len(GIVEN)]
    pref, pref_name, city = PLACES[(k // 7) % len(PLACES)]
    postal = f"{1000000 + (k * 7919) % 89999 * 97:07d}"
    return {"family": family, "given": f"{given}{k}", "family_kana": family_kana,
            "given_kana": _kana_of(k), "postal": postal, "pref": pref,
            "pref_name": pref_name, "city": city, "line": f"{k % 30 + 1}-{k % 9 + 1}-{k % 5 + 1}",
            "email": f"donor{k}@example.jp"}  # fmt: skip


def generate(path: Path, rows: int, members: int) -> None:
    """A year of portal exports in one file: donors repeat (three donations each on average);
    a third of the donors are members (found by email, by name + kana + postal code, or by
    name + address), the rest are new to the community; variant kanji, half-width kana and
    全角 digits appear as they do in real exports."""
    rng = random.Random(5)
    donors = max(rows // 3, 1)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADERS)
        for i in range(rows):
            d = rng.randrange(donors)
            # Donors 0..donors/3 are members; the others are people the community never met.
            k = d if d < donors // 3 and d < members else members + d
            p = person(k)
            family = VARIANT.get(p["family"], p["family"]) if rng.random() < 0.1 else p["family"]
            kana = f"{p['family_kana']} {p['given_kana']}"
            if rng.random() < 0.1:
                import jaconv

                kana = jaconv.z2h(kana, kana=True)
            how = d % 3
            email = p["email"] if how == 0 else ""
            postal = p["postal"] if how != 2 else ""
            day = f"2025/{rng.randrange(4, 13)}/{rng.randrange(1, 29)}"
            writer.writerow([
                f"R{i:08d}", day, str(rng.choice([5000, 10000, 12000, 20000, 30000, 50000])),
                f"{family} {p['given']}", kana if how != 2 else "", postal,
                f"{p['pref_name']}{p['city']}{p['line']}", "", email, rng.choice(GIFTS),
                rng.choice(PORTALS), rng.choice(["希望する", "希望しない", ""]),
            ])  # fmt: skip


# ---- phases (each in its own process) ----------------------------------------------------


def _django():
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enishi.settings")
    import django

    django.setup()


def phase_members(members: int) -> dict:
    _django()
    from django.db import transaction

    from enishi.communities.models import Community
    from enishi.core.models import User
    from enishi.members.models import Member

    community = Community.objects.get(slug="iga")
    started = time.monotonic()
    for start in range(0, members, 5000):
        with transaction.atomic():
            people = [person(k) for k in range(start, min(start + 5000, members))]
            users = User.objects.bulk_create(
                User(username=f"bench{start + i}", email=p["email"], password="!")
                for i, p in enumerate(people)
            )
            Member.objects.bulk_create(
                Member(community=community, user=u, status="active",
                       number=f"B-{start + i:07d}", family_name=p["family"],
                       given_name=p["given"], family_name_kana=p["family_kana"],
                       given_name_kana=p["given_kana"], search_name=p["family"] + p["given"],
                       search_kana=p["family_kana"] + p["given_kana"], birth_year=1980,
                       birth_month=1, birth_decade=1980, postal_code=p["postal"],
                       prefecture_code=p["pref"], city=p["city"], address_line=p["line"],
                       referral_code=f"B{start + i:09d}", card_key=f"bench{start + i}")
                for i, (u, p) in enumerate(zip(users, people, strict=True))
            )  # fmt: skip
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load; without it the first batches are
        # planned as if the tables were empty. (SQLite: nothing in enishi runs ANALYZE.)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"members": members, "seconds": round(time.monotonic() - started, 1)}


def _autoanalyze() -> None:
    """PostgreSQL only: `ANALYZE` every 60 s from a second connection while the phase runs,
    standing in for autovacuum (off on the shared bench server; on in production), which
    re-analyzes a table within its one-minute nap once a tenth of it has changed. Without
    it the growing ledger and contacts keep the statistics of the empty tables, and their
    per-batch lookups are planned as scans of the whole table."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)

    def run():
        with psycopg.connect(**params, autocommit=True) as analyzer:
            while True:
                time.sleep(60)
                analyzer.execute("ANALYZE")

    threading.Thread(target=run, daemon=True).start()


def phase_import(path: str) -> dict:
    _django()
    _autoanalyze()
    from pathlib import Path as P

    from enishi.communities.models import Community
    from enishi.core import imports
    from enishi.donations.importer import DonationImporter
    from enishi.donations.models import Contact, Donation, MatchReview

    community = Community.objects.get(slug="iga")
    stored = P(path).with_suffix(".import.csv")
    shutil.copyfile(path, stored)
    importer = DonationImporter()
    started = time.monotonic()
    record = imports.record_create(community=community, kind="donations", path=stored,
                                   file_name=P(path).name, by=None, importer=importer)  # fmt: skip
    record = imports.mapping_save(record=record, mapping=record.mapping, name="",
                                  mode="good_rows")  # fmt: skip
    record = imports.run_import(record, importer)
    seconds = time.monotonic() - started
    rows = record.processed_rows + record.error_count
    return {
        "rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
        "created": record.created_count, "duplicates": record.duplicate_count,
        "errors": record.error_count,
        "linked_to_members": Donation.objects.filter(member__isnull=False).count(),
        "contacts": Contact.objects.count(), "reviews": MatchReview.objects.count(),
    }  # fmt: skip


def phase_import_export(path: str, rows: int) -> dict:
    """The same file's first `rows` rows through django-import-export: tablib reads the file
    into a Dataset, a ModelResource saves row by row (no matching, no normalisation beyond
    its widgets, identity by receipt number)."""
    _django()
    import tablib
    from import_export import fields, resources, widgets

    from enishi.communities.models import Community
    from enishi.donations.models import Donation

    community = Community.objects.get(slug="iga")

    class DonationResource(resources.ModelResource):
        receipt_number = fields.Field(attribute="receipt_number", column_name="受付番号")
        donated_on = fields.Field(attribute="donated_on", column_name="寄附日",
                                  widget=widgets.DateWidget(format="%Y/%m/%d"))  # fmt: skip
        amount = fields.Field(attribute="amount", column_name="寄附金額",
                              widget=widgets.IntegerWidget())  # fmt: skip
        name = fields.Field(attribute="name", column_name="氏名")
        name_kana = fields.Field(attribute="name_kana", column_name="フリガナ")
        postal_code = fields.Field(attribute="postal_code", column_name="郵便番号")
        address = fields.Field(attribute="address", column_name="住所")
        email = fields.Field(attribute="email", column_name="メールアドレス")
        gift = fields.Field(attribute="gift", column_name="返礼品")
        portal = fields.Field(attribute="portal", column_name="ポータル")

        class Meta:
            model = Donation
            import_id_fields = ("receipt_number",)
            fields = ("receipt_number", "donated_on", "amount", "name", "name_kana",
                      "postal_code", "address", "email", "gift", "portal")  # fmt: skip

        def before_save_instance(self, instance, row, **kwargs):
            instance.community = community
            instance.identity = f"ie:{instance.receipt_number}"
            instance.content_hash = ""

    started = time.monotonic()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        lines = [next(handle) for _ in range(rows + 1)]
    dataset = tablib.Dataset().load("".join(lines), format="csv")
    result = DonationResource().import_data(dataset, dry_run=False, use_transactions=True)
    seconds = time.monotonic() - started
    return {"rows": len(dataset), "seconds": round(seconds, 1),
            "rows_per_s": round(len(dataset) / seconds), "errors": result.has_errors()}  # fmt: skip


def phase_copy(path: str) -> dict:
    """PostgreSQL's COPY of the raw file into a table of text columns: the floor."""
    _django()
    from django.db import connection

    columns = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_donation")
        cursor.execute(f"CREATE TABLE bench_bare_donation ({columns})")
        started = time.monotonic()
        with (
            open(path, "rb") as handle,
            cursor.copy(
                "COPY bench_bare_donation FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        seconds = time.monotonic() - started
        cursor.execute("SELECT count(*) FROM bench_bare_donation")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_bare_donation")
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds)}


def phase_match(rows: int, members: int) -> dict:
    """Matching alone (no file, no parsing): `rows` donations given to `donations_match` batch
    by batch (1,000, one transaction each), as the import does; half are by members."""
    _django()
    _autoanalyze()
    from django.db import transaction

    from enishi.communities.models import Community
    from enishi.donations.models import Donation
    from enishi.donations.services import donations_match

    community = Community.objects.get(slug="iga")
    rng = random.Random(7)
    pending = []
    for i in range(rows):
        k = rng.randrange(members) if i % 2 == 0 else members + 10_000_000 + i
        p = person(k)
        pending.append(Donation(
            community=community, identity=f"m:{i}", content_hash="", donated_on=date(2025, 6, 1),
            amount=10000, name=f"{p['family']} {p['given']}",
            name_kana=f"{p['family_kana']} {p['given_kana']}" if i % 3 else "",
            postal_code=p["postal"] if i % 3 != 2 else "",
            address=f"{p['pref_name']}{p['city']}{p['line']}",
            email=p["email"] if i % 3 == 0 else "",
        ))  # fmt: skip
    started = time.monotonic()
    for start in range(0, rows, 1000):
        with transaction.atomic():
            donations_match(community=community, donations=pending[start : start + 1000])
    seconds = time.monotonic() - started
    linked = Donation.objects.filter(identity__startswith="m:", member__isnull=False).count()
    review = Donation.objects.filter(identity__startswith="m:", match="review").count()
    return {"rows": rows, "members": members, "seconds": round(seconds, 1),
            "rows_per_s": round(rows / seconds), "linked_to_members": linked,
            "review": review}  # fmt: skip


# ---- the driver ------------------------------------------------------------------------


def run_phase(env: dict, *args: str) -> dict:
    """Run one phase in a child process; its JSON result plus its peak RSS (wait4)."""
    process = subprocess.Popen([PYTHON, __file__, *args], env=env, stdout=subprocess.PIPE)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"phase {args} failed ({process.returncode})")
    result = json.loads(output)
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024)
    return result


def setup_database(db: str, pg_url: str) -> dict:
    var = RESULTS / f"var-donations-{db}"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env = {**os.environ, "ENISHI_VAR_DIR": str(var), "ENISHI_DEBUG": "0",
           "DATABASE_URL": pg_url if db == "postgres" else ""}  # fmt: skip
    if db == "postgres":
        import psycopg

        name = pg_url.rsplit("/", 1)[1]
        if name in ("postgres", "template0", "template1"):
            raise SystemExit(f"refusing to drop {name}")
        admin = pg_url.rsplit("/", 1)[0].replace("postgres://", "postgresql://", 1) + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([ENISHI, "migrate", "--no-input", "-v", "0"], env=env, check=True)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument(
        "--ie-rows",
        type=int,
        default=100_000,
        help="rows given to django-import-export (it holds them all in memory)",
    )
    parser.add_argument("--match-rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DONATIONS_DATABASE_URL",
                                                           DEFAULT_URL))  # fmt: skip
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        result = {
            "members": lambda: phase_members(args.members),
            "import": lambda: phase_import(args.file),
            "import_export": lambda: phase_import_export(args.file, args.ie_rows),
            "copy": lambda: phase_copy(args.file),
            "match": lambda: phase_match(args.match_rows, args.members),
        }[args.phase]()
        print(json.dumps(result))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    # One database at a time may run beside the other (own file, own results).
    tag = "" if args.db == "both" else f"-{args.db}"
    path = RESULTS / f"donations-{args.rows}{tag}.csv"
    started = time.monotonic()
    generate(path, args.rows, args.members)
    results = {
        "rows": args.rows, "members": args.members,
        "file_mb": round(path.stat().st_size / 2**20),
        "generate_s": round(time.monotonic() - started, 1),
    }  # fmt: skip
    _log(f"generated {path} ({results['file_mb']} MB) in {results['generate_s']} s")
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        env = setup_database(db, args.pg_url)
        common = ["--members", str(args.members), "--file", str(path)]
        figures = {"members_setup": run_phase(env, "--phase", "members", *common)}
        _log(f"{db}: members {figures['members_setup']}")
        figures["import"] = run_phase(env, "--phase", "import", *common)
        _log(f"{db}: import {figures['import']}")
        figures["import_export"] = run_phase(env, "--phase", "import_export", *common,
                                             "--ie-rows", str(args.ie_rows))  # fmt: skip
        _log(f"{db}: django-import-export {figures['import_export']}")
        if db == "postgres":
            figures["copy"] = run_phase(env, "--phase", "copy", *common)
            _log(f"{db}: COPY {figures['copy']}")
        figures["match"] = run_phase(env, "--phase", "match", *common, "--match-rows",
                                     str(args.match_rows))  # fmt: skip
        _log(f"{db}: matching {figures['match']}")
        results[db] = figures
    path.unlink()
    (RESULTS / f"donations{tag}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    lines = [f"# donations bench: {args.rows:,} rows, {args.members:,} members",
             "", f"file {results['file_mb']} MB, generated in {results['generate_s']} s", "",
             "| db | what | rows | seconds | rows/s | peak RSS MB |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for db in ("sqlite", "postgres"):
        for what in ("import", "import_export", "copy", "match"):
            if db in results and what in results[db]:
                r = results[db][what]
                lines.append(f"| {db} | {what} | {r['rows']:,} | {r['seconds']} | "
                             f"{r['rows_per_s']:,} | {r['peak_rss_mb']} |")  # fmt: skip
    (RESULTS / f"donations{tag}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
