import jaconv
from hypothesis import given
from hypothesis import strategies as st

from enishi.core.text import (
    has_emoji,
    is_katakana,
    kana_search_key,
    normalize_postal_code,
    to_katakana,
)

hiragana = st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3094), min_size=1)


@given(hiragana)
def test_hiragana_full_and_half_width_kana_all_become_the_same_katakana(word):
    expected = jaconv.hira2kata(word)
    assert to_katakana(word) == expected
    assert to_katakana(jaconv.z2h(expected, kana=True)) == expected
    assert is_katakana(to_katakana(word))


@given(hiragana)
def test_kana_normalisation_is_idempotent(word):
    once = to_katakana(word)
    assert to_katakana(once) == once


def test_spaces_of_any_width_are_dropped_from_kana():
    assert to_katakana("やまだ　たろう") == "ヤマダタロウ"
    assert kana_search_key(" ﾔﾏﾀﾞ ") == "ヤマダ"


def test_only_katakana_counts_as_kana():
    assert is_katakana("ヴァン・ゴッホ")
    assert not is_katakana("abc")
    assert not is_katakana("山田")
    assert not is_katakana("")


@given(
    st.text(alphabet="0123456789", min_size=7, max_size=7),
    st.booleans(),
    st.sampled_from(["", "-", "－", "ー", "‐", " "]),
    st.booleans(),
)
def test_postal_codes_in_any_width_and_hyphen_normalise_to_seven_digits(digits, wide, hyphen, mark):
    typed = digits[:3] + hyphen + digits[3:]
    if wide:
        typed = jaconv.h2z(typed, digit=True, ascii=True)
    if mark:
        typed = "〒" + typed
    assert normalize_postal_code(typed) == digits


def test_not_a_postal_code():
    for typed in ["", "123456", "12345678", "abc-defg", "123-45６"]:
        assert normalize_postal_code(typed) is None, typed


def test_emoji_are_told_apart_from_variant_kanji():
    assert has_emoji("花子😀")
    assert has_emoji("❤️")
    assert not has_emoji("髙﨑")
    assert not has_emoji("𠮷野家")
    assert not has_emoji("葛\U000e0100")  # an ideographic variation sequence
