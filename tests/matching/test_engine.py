"""The matching engine: reading a need, exact matching by n-grams and tags, the semantic
extra present or missing, highlighting."""

import pytest
from django.db import connection

from enishi.matching import engine, semantic
from enishi.matching.models import MemberProfile
from enishi.matching.services import member_profile_refresh, profiles_rebuild
from enishi.members.models import Member

from .conftest import skilled


def terms(text):
    return [t.text for t in engine.parse_need(text).terms]


def words(text):
    return [t.text for t in engine.parse_need(text).terms if t.weight == 1.0]


def test_a_need_is_cut_into_words_and_compound_pieces():
    assert words("観光パンフレットのデザインができる人") == ["観光", "パンフレット", "デザイン"]
    assert "パンフ" in terms("観光パンフレットのデザインができる人")
    assert terms("農業法人の経営相談")[:4] == ["農業法人", "農業", "業法", "法人"]
    assert "ツアー" in terms("サイクリングツアーの企画")


def test_width_and_case_are_folded_and_emoji_dropped():
    assert words("ＤＴＰと Illustrator") == ["dtp", "illustrator"]
    assert words("ﾃﾞｻﾞｲﾝ🎨ができる人🙏") == ["デザイン"]


def test_english_needs_give_latin_terms():
    assert terms("Someone who can guide tours in English") == [
        "someone", "guide", "tours", "in", "english",
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["", "  ", "人", "🙏", "a"])
def test_empty_and_one_character_needs_are_refused(text):
    with pytest.raises(engine.NeedError):
        engine.parse_need(text)


def test_a_10000_character_need_is_cut_at_a_sentence_end():
    text = "観光パンフレットのデザインができる人を探しています。" * 400
    need = engine.parse_need(text)
    assert len(text) == 10400 and need.truncated
    assert len(need.text) <= engine.MAX_NEED_CHARS and need.text.endswith("。")
    assert words(need.text)[:3] == ["観光", "パンフレット", "デザイン"]


def test_exact_ranking_uses_text_and_tags(db, community, no_semantic):
    designer = skilled("観光パンフレットとポスターの制作を10年。", skills=["デザイン"])
    tagged_only = skilled("", skills=["デザイン"])
    farmer = skilled("米農家です。稲刈りの時期は忙しいです。")
    empty = skilled("")
    ranked, used = engine.rank(
        community=community, need=engine.parse_need("観光パンフレットのデザインができる人")
    )
    assert used is False
    order = [m.member_id for m in ranked]
    assert order[:2] == [designer.pk, tagged_only.pk]
    assert farmer.pk not in order and empty.pk not in order
    best = ranked[0]
    assert best.terms == {"観光", "パンフレット", "デザイン"} and best.tags == {"デザイン"}


def test_two_character_terms_are_found_on_either_database(db, community, no_semantic):
    member = skilled("英語と中国語で観光案内ができます。")
    for need in ("英語", "中国語", "観光案内"):
        ids = {m.member_id for m in engine.rank(community=community,
                                                need=engine.parse_need(need))[0]}  # fmt: skip
        assert member.pk in ids, need


def test_full_text_index_follows_updates_and_deletes(db, community, no_semantic):
    member = skilled("陶芸家です。")
    assert engine.members_containing(community=community, term="陶芸家") == {member.pk}
    member.skills_text = "組紐の講師です。"
    member.save()
    member_profile_refresh(member_id=member.pk)
    assert engine.members_containing(community=community, term="陶芸家") == set()
    assert engine.members_containing(community=community, term="組紐の") == {member.pk}
    member.status = Member.Status.WITHDRAWN
    member.save()
    member_profile_refresh(member_id=member.pk)
    assert engine.members_containing(community=community, term="組紐の") == set()
    assert not MemberProfile.objects.filter(member=member).exists()


def test_like_wildcards_in_a_term_are_literal(db, community, no_semantic):
    member = skilled("100%の力で。")
    assert engine.members_containing(community=community, term="0%") == {member.pk}
    assert engine.members_containing(community=community, term="%の") == {member.pk}
    assert engine.members_containing(community=community, term="_の") == set()
    assert engine.members_containing(community=community, term="1%") == set()


def test_full_text_uses_the_database_index(db, community):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'matching_memberprofile_fts'"
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM pg_indexes WHERE indexname = "
                "'matching_memberprofile_document_trgm'"
            )
        assert cursor.fetchone()[0] == 1


def test_a_member_with_no_skills_is_indexed_but_found_by_nothing(db, community, no_semantic):
    member = skilled("")
    assert MemberProfile.objects.get(member=member).document == ""
    ranked, _used = engine.rank(community=community, need=engine.parse_need("デザイン"))
    assert ranked == []


def test_without_the_extra_no_vectors_are_made(db, community, no_semantic):
    assert semantic.available() is False
    member = skilled("グラフィックデザイナーです。")
    assert MemberProfile.objects.get(member=member).vector == b""
    assert profiles_rebuild(community=community)["members"] == 1


def test_semantic_finds_what_exact_misses(db, community, needs_semantic):
    caregiver = skilled("介護福祉士として高齢者施設で働いています。")
    skilled("Pythonでデータ分析をしています。")
    need = engine.parse_need("一人暮らしのお年寄りの話し相手")
    exact, _ = engine.rank(community=community, need=need, use_semantic=False)
    assert exact == []
    combined, used = engine.rank(community=community, need=need)
    assert used is True
    assert combined[0].member_id == caregiver.pk and combined[0].cosine > engine.SEMANTIC_FLOOR
    assert len(bytes(MemberProfile.objects.get(member=caregiver).vector)) == semantic.DIM


def test_vectors_are_only_recomputed_when_the_text_changes(db, community, needs_semantic):
    member = skilled("組紐の講師です。")
    profile = MemberProfile.objects.get(member=member)
    before = (bytes(profile.vector), profile.vector_of)
    member.nickname = "くみひも"
    member.save()
    member_profile_refresh(member_id=member.pk)
    profile.refresh_from_db()
    assert (bytes(profile.vector), profile.vector_of) == before


def test_highlight_marks_terms_in_the_text_as_typed():
    html = engine.highlight("ＤＴＰと<b>デザイン</b>", ["dtp", "デザイン"])
    assert html == "<mark>ＤＴＰ</mark>と&lt;b&gt;<mark>デザイン</mark>&lt;/b&gt;"


def test_highlight_cuts_long_text_around_the_first_match():
    text = "あ" * 500 + "デザイン" + "い" * 500
    html = engine.highlight(text, ["デザイン"], width=100)
    assert html.startswith("…") and html.endswith("…") and "<mark>デザイン</mark>" in html
    assert len(html) < 140
