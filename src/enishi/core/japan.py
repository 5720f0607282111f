"""Japanese reference data: prefectures (JIS X 0401) and the regions staff group them by."""

from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# (JIS X 0401 code, name, region key)
PREFECTURES: list[tuple[str, str, str]] = [
    ("01", "北海道", "hokkaido_tohoku"),
    ("02", "青森県", "hokkaido_tohoku"),
    ("03", "岩手県", "hokkaido_tohoku"),
    ("04", "宮城県", "hokkaido_tohoku"),
    ("05", "秋田県", "hokkaido_tohoku"),
    ("06", "山形県", "hokkaido_tohoku"),
    ("07", "福島県", "hokkaido_tohoku"),
    ("08", "茨城県", "kanto"),
    ("09", "栃木県", "kanto"),
    ("10", "群馬県", "kanto"),
    ("11", "埼玉県", "kanto"),
    ("12", "千葉県", "kanto"),
    ("13", "東京都", "kanto"),
    ("14", "神奈川県", "kanto"),
    ("15", "新潟県", "koshinetsu_hokuriku"),
    ("16", "富山県", "koshinetsu_hokuriku"),
    ("17", "石川県", "koshinetsu_hokuriku"),
    ("18", "福井県", "koshinetsu_hokuriku"),
    ("19", "山梨県", "koshinetsu_hokuriku"),
    ("20", "長野県", "koshinetsu_hokuriku"),
    ("21", "岐阜県", "tokai"),
    ("22", "静岡県", "tokai"),
    ("23", "愛知県", "tokai"),
    ("24", "三重県", "tokai"),
    ("25", "滋賀県", "kansai"),
    ("26", "京都府", "kansai"),
    ("27", "大阪府", "kansai"),
    ("28", "兵庫県", "kansai"),
    ("29", "奈良県", "kansai"),
    ("30", "和歌山県", "kansai"),
    ("31", "鳥取県", "chugoku"),
    ("32", "島根県", "chugoku"),
    ("33", "岡山県", "chugoku"),
    ("34", "広島県", "chugoku"),
    ("35", "山口県", "chugoku"),
    ("36", "徳島県", "shikoku"),
    ("37", "香川県", "shikoku"),
    ("38", "愛媛県", "shikoku"),
    ("39", "高知県", "shikoku"),
    ("40", "福岡県", "kyushu_okinawa"),
    ("41", "佐賀県", "kyushu_okinawa"),
    ("42", "長崎県", "kyushu_okinawa"),
    ("43", "熊本県", "kyushu_okinawa"),
    ("44", "大分県", "kyushu_okinawa"),
    ("45", "宮崎県", "kyushu_okinawa"),
    ("46", "鹿児島県", "kyushu_okinawa"),
    ("47", "沖縄県", "kyushu_okinawa"),
]

REGIONS = {
    "hokkaido_tohoku": _("北海道・東北"),
    "kanto": _("関東"),
    "koshinetsu_hokuriku": _("甲信越・北陸"),
    "tokai": _("東海"),
    "kansai": _("関西"),
    "chugoku": _("中国"),
    "shikoku": _("四国"),
    "kyushu_okinawa": _("九州・沖縄"),
}

ENGLISH_NAMES = (
    "Hokkaido Aomori Iwate Miyagi Akita Yamagata Fukushima Ibaraki Tochigi Gunma Saitama Chiba "
    "Tokyo Kanagawa Niigata Toyama Ishikawa Fukui Yamanashi Nagano Gifu Shizuoka Aichi Mie Shiga "
    "Kyoto Osaka Hyogo Nara Wakayama Tottori Shimane Okayama Hiroshima Yamaguchi Tokushima Kagawa "
    "Ehime Kochi Fukuoka Saga Nagasaki Kumamoto Oita Miyazaki Kagoshima Okinawa"
).split()


def _label(name: str, english: str):
    """The prefecture's name in the page's language (romanised names are data, not UI text)."""
    return lazy(lambda: english if get_language() == "en" else name, str)()


# Names as written in addresses and postal data.
PREFECTURE_NAMES = {code: name for code, name, _region in PREFECTURES}
PREFECTURE_CHOICES = [
    (code, _label(name, english))
    for (code, name, _region), english in zip(PREFECTURES, ENGLISH_NAMES, strict=True)
]
