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


def search_normalize(value: str) -> str:
    """Text as the matching engine compares it: NFKC folds 全角 letters and digits and
    半角 kana to one width (ＤＴＰ → DTP, ﾃﾞｻﾞｲﾝ → デザイン), letters are lower-cased, emoji
    dropped and runs of spaces made one."""
    value = unicodedata.normalize("NFKC", value).casefold()
    value = "".join(" " if has_emoji(char) else char for char in value)
    return re.sub(r"\s+", " ", value).strip()
