"""ふるさと納税 for the demo: a generated portal export imported through the real import
(mapping, matching, contacts, review queue, ledger), so the staff pages have something to
show. Deterministic; done once per community (a second seed finds donations and stops)."""

import csv
import random
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from enishi.communities.models import Community
from enishi.core import imports
from enishi.core.japan import PREFECTURE_NAMES
from enishi.core.models import ImportRecord
from enishi.members.models import Member

from .importer import GENERIC_HEADERS, KIND, DonationImporter
from .models import Donation

DONORS = [
    ("山田", "ヤマダ", "誠", "マコト"), ("佐藤", "サトウ", "陽子", "ヨウコ"),
    ("髙橋", "タカハシ", "健", "ケン"), ("渡邉", "ワタナベ", "直子", "ナオコ"),
    ("中村", "ナカムラ", "翔", "ショウ"), ("小林", "コバヤシ", "愛", "アイ"),
    ("加藤", "カトウ", "大輔", "ダイスケ"), ("吉田", "ヨシダ", "美咲", "ミサキ"),
]  # fmt: skip
PLACES = [
    ("1000001", "東京都千代田区千代田1-1"), ("1600023", "東京都新宿区西新宿2-8-1"),
    ("5300001", "大阪府大阪市北区梅田1-1-1"), ("4600001", "愛知県名古屋市中区三の丸3-1-1"),
    ("2310023", "神奈川県横浜市中区山下町1"), ("6008216", "京都府京都市下京区東塩小路町"),
]  # fmt: skip
PORTALS = ["ふるさとチョイス", "楽天ふるさと納税", "さとふる", "ふるなび"]
GIFTS = ["伊賀牛すき焼き用 500g", "伊賀焼 土鍋", "伊賀米 10kg", "組紐ストラップ", "地酒セット"]
AMOUNTS = [5000, 10000, 10000, 12000, 20000, 30000, 50000]


def seed_donations(*, community: Community, seed: int, staff, count: int) -> int:
    """Import `count` donation rows: about a third from members (found by email, or by name,
    kana and postal code), the rest from donors who are not members, some of whom give twice
    and a few spelled with a variant kanji. Returns the rows imported (0 when done before)."""
    if count <= 0 or Donation.objects.filter(community=community).exists():
        return 0
    rng = random.Random(seed * 7 + 5)
    members = list(
        Member.objects.filter(community=community, status=Member.Status.ACTIVE)
        .exclude(number__isnull=True)
        .select_related("user")
        .order_by("pk")[: count // 3]
    )
    today = timezone.localdate()
    rows = []
    for n in range(count):
        day = today - timedelta(days=rng.randint(1, 540))
        amount, portal, gift = rng.choice(AMOUNTS), rng.choice(PORTALS), rng.choice(GIFTS)
        if n % 3 == 0 and members:
            m = members[(n // 3) % len(members)]
            address = PREFECTURE_NAMES.get(m.prefecture_code, "") + m.city + m.address_line
            email = m.user.email if n % 2 == 0 and m.user else ""
            name = f"{m.family_name} {m.given_name}"
            kana = f"{m.family_name_kana} {m.given_name_kana}"
            postal, consent = m.postal_code, "希望する"
        else:
            donor = (n * 7919) % 400  # the same donor gives again now and then
            family, family_kana, given, given_kana = DONORS[donor % len(DONORS)]
            postal, address = PLACES[donor % len(PLACES)]
            name, kana = f"{family} {given}", f"{family_kana} {given_kana}"
            email = f"donor{donor:03d}@example.jp" if donor % 4 else ""
            consent = ["希望する", "希望しない", ""][donor % 3]
            address = f"{address}-{donor}"
        rows.append([f"DEMO-{n + 1:05d}", day.strftime("%Y/%m/%d"), f"{amount:,}", name, kana,
                     postal, address, "", email, gift, portal, consent])  # fmt: skip
    folder = Path(settings.ENISHI_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"demo-{secrets.token_hex(8)}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(GENERIC_HEADERS)
        writer.writerows(rows)
    importer = DonationImporter()
    record = imports.record_create(community=community, kind=KIND, path=path,
                                   file_name="portal-export-demo.csv", by=staff,
                                   importer=importer)  # fmt: skip
    record = imports.mapping_save(record=record, mapping=record.mapping, name="",
                                  mode=ImportRecord.Mode.GOOD_ROWS)  # fmt: skip
    record = imports.run_import(record, importer)
    return record.created_count
