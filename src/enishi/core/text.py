"""The one place that normalises Japanese input: kana, digits, postal codes."""

import re
import unicodedata

import jaconv

KATAKANA_RE = re.compile(r"^[\u30A1-\u30FA\u30FC-\u30FE\u30FB]+$")
HYPHENS = "-‐‑‒–—―−ー－ｰ"


def to_katakana(value: str) -> str:
    """Half-width kana and hiragana become full-width katakana; spaces of any width are dropped."""
    value = jaconv.h2z(value, kana=True, ascii=False, digit=False)
    value = jaconv.hira2kata(value)
    return re.sub(r"\s+", "", value)


def is_katakana(value: str) -> bool:
    return bool(KATAKANA_RE.match(value))


def to_ascii_digits(value: str) -> str:
    """全角 digits become ASCII digits; nothing else changes."""
    return value.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


def normalize_postal_code(value: str) -> str | None:
    """Return the 7-digit postal code, or None when the input is not one.

    Accepts 全角 or 半角 digits, with or without a hyphen of any kind, and a leading 〒.
    """
    value = to_ascii_digits(value.strip()).replace("〒", "")
    value = re.sub(f"[{HYPHENS}\\s]", "", value)
    return value if re.fullmatch(r"\d{7}", value) else None


def to_half_width_ascii(value: str) -> str:
    """全角 letters, digits and symbols (ＩＧＡ－００１) become ASCII; kana stay as they are."""
    return jaconv.z2h(value, kana=False, ascii=True, digit=True)


def kana_search_key(value: str) -> str:
    """What a search term looks like when compared with stored kana."""
    return to_katakana(value.strip())


def has_emoji(value: str) -> bool:
    """True for pictographs (絵文字). Variant kanji such as 髙 or 﨑 and ideographic variation
    selectors are not emoji and are kept as typed."""
    for char in value:
        code = ord(char)
        if (
            unicodedata.category(char) == "So"
            or 0x1F000 <= code <= 0x1FAFF
            or code in (0x200D, 0xFE0F)
        ):
            return True
    return False


# Variant (異体字) kanji common in names, folded to the form most records use, so that 髙橋 and
# 高橋 or 渡邉 and 渡辺 compare equal. Comparison only: names are stored as written.
VARIANT_KANJI = str.maketrans({
    "髙": "高", "﨑": "崎", "嵜": "崎", "邊": "辺", "邉": "辺", "齋": "斉", "齊": "斉",
    "斎": "斉", "濵": "浜", "濱": "浜", "澤": "沢", "櫻": "桜", "廣": "広", "國": "国",
    "邨": "村", "冨": "富", "德": "徳", "眞": "真", "惠": "恵", "榮": "栄", "實": "実",
    "藏": "蔵", "龍": "竜", "瀨": "瀬", "籠": "篭", "槇": "槙", "壽": "寿",
    "與": "与", "條": "条", "巖": "巌", "嶋": "島", "嶌": "島", "曽": "曾",
    "彌": "弥", "禮": "礼", "舘": "館", "萬": "万",
})  # fmt: skip
SPACES = re.compile(r"[\s\u3000]+")


def name_key(value: str) -> str:
    """A name as compared when matching people: NFKC (drops variation selectors' effect on
    width), variant kanji folded, no spaces of any width."""
    value = unicodedata.normalize("NFKC", value)
    value = re.sub("[\U000e0100-\U000e01ef\ufe00-\ufe0f]", "", value)  # variation selectors
    return SPACES.sub("", value.translate(VARIANT_KANJI))


def kana_key(value: str) -> str:
    """Kana as compared when matching people: full-width katakana, no spaces or dots."""
    return to_katakana(value).replace("・", "")


KANJI_DIGITS = str.maketrans("〇一二三四五六七八九", "0123456789")


def _kanji_number(match: re.Match) -> str:
    text = match.group(0)
    if "十" not in text:
        return text.translate(KANJI_DIGITS)
    tens, _sep, ones = text.partition("十")
    return str((int(tens.translate(KANJI_DIGITS)) if tens else 1) * 10
               + (int(ones.translate(KANJI_DIGITS)) if ones else 0))  # fmt: skip


def address_key(value: str) -> str:
    """An address as compared when matching people: 全角 folded, kanji numerals before
    丁目/番/号 as digits, 丁目・番地・番・号 and every kind of hyphen as "-", no spaces, and the
    prefecture left out (portals write it, members' addresses often do not)."""
    from .japan import PREFECTURE_NAMES

    value = unicodedata.normalize("NFKC", value).translate(VARIANT_KANJI)
    value = SPACES.sub("", value)
    for name in PREFECTURE_NAMES.values():
        if value.startswith(name):
            value = value[len(name):]
            break
    value = re.sub(r"[〇一二三四五六七八九十]+(?=丁目|番地|番|号)", _kanji_number, value)
    value = re.sub(r"(丁目|番地の?|番の?|号)", "-", value)
    value = re.sub(f"[{HYPHENS}]", "-", value)
    value = re.sub(r"-+", "-", value).strip("-")
    return value
def search_normalize(value: str) -> str:
    """Text as the matching engine compares it: NFKC folds 全角 letters and digits and
    半角 kana to one width (ＤＴＰ → DTP, ﾃﾞｻﾞｲﾝ → デザイン), letters are lower-cased, emoji
    dropped and runs of spaces made one."""
    value = unicodedata.normalize("NFKC", value).casefold()
    value = "".join(" " if has_emoji(char) else char for char in value)
    return re.sub(r"\s+", " ", value).strip()
