"""The platform starts with Iga City's 伊賀衆: its community, rank ladder and first word lists.
Staff edit the word lists afterwards; the ladder is configuration, changed in the admin."""

from django.db import migrations

RANKS = [("新入り", 0), ("下忍", 50), ("中忍", 150), ("上忍", 400), ("頭領", 1000)]
TOPICS = [
    "農業",
    "観光",
    "伊賀焼",
    "組紐",
    "忍者",
    "子育て",
    "IT",
    "デザイン",
    "食・酒",
    "歴史・文化",
    "移住",
    "自然・環境",
]
SKILLS = [
    "デザイン",
    "写真・映像",
    "文章・編集",
    "IT・プログラミング",
    "マーケティング・広報",
    "英語",
    "農業",
    "建築・不動産",
    "経営・起業",
    "教育",
    "医療・福祉",
    "イベント運営",
]


def create(apps, schema_editor):
    Community = apps.get_model("communities", "Community")
    Rank = apps.get_model("communities", "Rank")
    Tag = apps.get_model("communities", "Tag")
    community, created = Community.objects.get_or_create(
        slug="iga",
        defaults={
            "name": "伊賀衆",
            "tagline": "離れていても、伊賀の仲間",
            "municipality_name": "伊賀市",
            "municipality_code": "24216",
            "member_number_prefix": "IGA",
            "terms_version": "1.0",
            "privacy_policy_version": "1.0",
        },
    )
    if not created:
        return
    Rank.objects.bulk_create(Rank(community=community, name=n, min_points=p) for n, p in RANKS)
    Tag.objects.bulk_create(
        [Tag(community=community, kind="topic", name=n, position=i) for i, n in enumerate(TOPICS)]
        + [Tag(community=community, kind="skill", name=n, position=i) for i, n in enumerate(SKILLS)]
    )


class Migration(migrations.Migration):
    dependencies = [("communities", "0002_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
