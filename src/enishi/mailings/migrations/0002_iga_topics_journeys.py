"""伊賀衆's mail lists and its journeys (staff edit the journeys' texts on /staff/mailings/journeys/)."""

from django.db import migrations

TOPICS = [
    ("会報", "伊賀衆の会報（月に1回程度）"),
    ("イベント案内", "伊賀市内・都市部・オンラインの活動のお知らせ"),
    ("伊賀のしごと", "伊賀での仕事・副業・移住体験の情報"),
]

JOURNEYS = [
    ("welcome", 0, 0, "会報", "伊賀衆へようこそ、{nickname}さん",
     "{nickname}さん、伊賀衆へのご登録ありがとうございます。\n\n"
     "会員番号は **{member_number}** です。活動に参加するとポイントがたまり、ランクが上がります。\n\n"
     "マイページ：{mypage_url}"),
    ("welcome_7", 7, 0, "イベント案内", "{nickname}さんにおすすめの活動",
     "{nickname}さん、伊賀衆に登録して1週間がたちました。\n\n"
     "関心のあることや、お住まいから参加しやすい活動を選びました。\n\n"
     "{recommended_activities}\n\n"
     "気になる活動があれば、ページから応募できます。"),
    ("we_miss_you", 120, 180, "会報", "{nickname}さん、伊賀からお便りです",
     "{nickname}さん、お元気ですか。最近の伊賀衆では、オンラインで参加できる活動も増えています。\n\n"
     "いまのランクは「{rank}」（{points}ポイント）です。\n\n"
     "マイページ：{mypage_url}"),
    ("one_short", 0, 0, "イベント案内", "あと1回の参加で次のランクです",
     "{nickname}さん、いまのランクは「{rank}」（{points}ポイント）です。\n\n"
     "あと1回活動に参加すると、次のランクに上がります。\n\n"
     "マイページ：{mypage_url}"),
]


def create(apps, schema_editor):
    Community = apps.get_model("communities", "Community")
    MailTopic = apps.get_model("mailings", "MailTopic")
    Journey = apps.get_model("mailings", "Journey")
    community = Community.objects.filter(slug="iga").first()
    if community is None:
        return
    topics = {}
    for position, (name, description) in enumerate(TOPICS):
        topics[name], _ = MailTopic.objects.get_or_create(
            community=community, name=name,
            defaults={"description": description, "position": position},
        )
    for kind, days, period_days, topic, subject, body in JOURNEYS:
        Journey.objects.get_or_create(
            community=community, kind=kind,
            defaults={"days": days, "period_days": period_days, "topic": topics[topic],
                      "subject": subject, "body": body},
        )


class Migration(migrations.Migration):
    dependencies = [("mailings", "0001_initial"), ("communities", "0003_iga_community")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
