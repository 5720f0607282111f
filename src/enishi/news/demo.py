"""Demo activity reports for 伊賀衆: a few published reports on past activities and a draft."""

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from enishi.activities.models import Activity
from enishi.communities.models import Community

from .models import Report

REPORTS = [
    (
        "伊賀焼の窯出しを手伝いました",
        "丸柱の窯元で、東京・大阪から来た伊賀衆12人が窯出しと土鍋の仕上げを手伝いました。",
        "## 当日の様子\n\n朝9時、丸柱の窯元に集合。3日間焚き続けた登り窯から、"
        "まだ温かい土鍋を一つずつ運び出しました。\n\n"
        "- 窯出し（約400点）\n- 検品と仕上げ\n- 窯元さんとの昼食会\n\n"
        "## 参加した方の声\n\n> 自分が運んだ土鍋が、来月お店に並ぶと思うとうれしいです。"
        "（東京都・30代）\n\n次回は春の窯焚きです。[活動一覧](/activities/)からお申し込みください。",
    ),
    (
        "上野天神祭の鬼行列を支えました",
        "10月の上野天神祭で、伊賀衆18人が鬼行列の準備と沿道の案内を担いました。",
        "## 祭りを支える仕事\n\n鬼行列の面や衣装の準備、沿道での観光客の案内、"
        "ごみの回収まで、地元の方と一緒に2日間を過ごしました。\n\n"
        "来年も募集します。地域活動に関心のある方はぜひ。",
    ),
    (
        "オンライン企画会議：伊賀の関係人口を増やすには",
        "全国から伊賀衆24人がオンラインで集まり、伊賀を知ってもらうアイデアを出し合いました。",
        "## 出たアイデア\n\n1. 忍者の日にあわせたSNSキャンペーン\n"
        "2. 東京での伊賀焼の展示会\n3. 移住体験の参加者による体験記\n\n"
        "いくつかは市の事業として検討が始まっています。",
    ),
]


def seed_reports(*, community: Community, staff=None) -> None:
    if Report.objects.filter(community=community).exists():
        return
    now = timezone.now()
    past = list(
        Activity.objects.filter(community=community)
        .annotate(last=Max("sessions__starts_at"))
        .filter(last__lt=now)
        .order_by("-last")[: len(REPORTS)]
    )
    for n, (title, summary, body) in enumerate(REPORTS):
        activity = past[n] if n < len(past) else None
        Report.objects.create(
            community=community, title=title, summary=summary, body=body, activity=activity,
            status=Report.Status.PUBLISHED, published_at=now - timedelta(days=3 + 9 * n),
            created_by=staff,
        )  # fmt: skip
    Report.objects.create(
        community=community, title="（下書き）冬の移住体験ツアーのご案内",
        summary="1月に2泊3日の移住体験ツアーを行います。", body="詳細は近日公開します。",
        created_by=staff,
    )  # fmt: skip
