"""The matching engine behind scouting: a need in free Japanese text → members ranked by
how well their skills, experience text and interests fit.

Exact first (cheap and explainable): the need is cut into terms — runs of kanji, katakana
and Latin letters, with the two-character pieces of longer kanji compounds (農業法人 → 農業,
法人), as Japanese has no spaces — and each term is looked up in the members' profile
documents by character n-grams (FTS5 trigram / pg_trgm); skill and topic tags named in the
need count on their own. Rarer terms weigh more (idf). Then, when the semantic extra is
installed, the nearest members by embedding join the candidates and both scores are combined.
"""

import math
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from enishi.communities.models import Community, Tag
from enishi.core.text import search_normalize
from enishi.members.models import Member

from . import semantic
from .models import MemberProfile

MAX_NEED_CHARS = 500
MIN_NEED_CHARS = 2
MAX_TERMS = 24
TERM_RE = re.compile(
    r"(?P<kanji>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ]{2,})"
    r"|(?P<kana>[\u30a1-\u30faー]{2,})"
    r"|(?P<latin>[a-z0-9][a-z0-9+#]*(?:[.\-][a-z0-9+#]+)*)"
)
# Words in nearly every need or profile that say nothing about a skill.
STOP_TERMS = {"経験", "募集", "可能", "希望", "人材", "方法", "対応", "必要", "得意", "以上",
              "the", "and", "for", "who", "can", "with", "person", "people"}  # fmt: skip
SUB_TERM_WEIGHT = 0.6
TAG_WEIGHT = {Tag.Kind.SKILL: 1.0, Tag.Kind.TOPIC: 0.5}
# Semantic scores: cosines of multilingual-e5-small between a query and profiles fall between
# about 0.75 (unrelated) and 0.92; below FLOOR a member is not a candidate at all. Chosen on
# the evaluation set in bench/ from a small grid (see bench/README.md), so the figures there
# are not an unbiased estimate for other data.
SEMANTIC_FLOOR = 0.78
SEMANTIC_CEIL = 0.86
SEMANTIC_WEIGHT = 1.5
SEMANTIC_CANDIDATES = 300
# Filters are applied to at most this many of the best candidates (a page shows 30), so a
# search costs a bounded number of queries whatever the membership.
MAX_CANDIDATES = 5000


@dataclass
class Term:
    text: str
    weight: float
    group: int


@dataclass
class Need:
    raw: str
    text: str
    truncated: bool
    terms: list[Term]


class NeedError(ValueError):
    pass


def parse_need(raw: str) -> Need:
    """The need as the engine reads it; NeedError when there is nothing to search for."""
    text = search_normalize(raw)
    truncated = len(text) > MAX_NEED_CHARS
    if truncated:
        cut = text[:MAX_NEED_CHARS]
        # End at the last sentence or clause mark of the kept part when there is one.
        stop = max(cut.rfind(mark) for mark in "。．.!?！？、,\n ")
        text = cut[: stop + 1].strip() if stop > MAX_NEED_CHARS // 2 else cut
    if len(text.replace(" ", "")) < MIN_NEED_CHARS:
        raise NeedError("too short")
    terms: list[Term] = []
    seen: set[str] = set()
    for group, match in enumerate(TERM_RE.finditer(text)):
        word = match.group()
        if match.lastgroup == "latin" and len(word) < 2:
            continue
        pieces = [(word, 1.0)]
        # Compounds are written without breaks: their pieces count too, with less weight
        # (農業法人 → 農業, 業法, 法人; サイクリングツアー → サイク, …, ツアー).
        if match.lastgroup == "kanji" and len(word) >= 3:
            pieces += [(word[i : i + 2], SUB_TERM_WEIGHT) for i in range(len(word) - 1)]
        elif match.lastgroup == "kana" and len(word) >= 6:
            pieces += [(word[i : i + 3], SUB_TERM_WEIGHT) for i in range(len(word) - 2)]
        for piece, weight in pieces:
            if piece in seen or piece in STOP_TERMS:
                continue
            seen.add(piece)
            terms.append(Term(piece, weight, group))
        if len(terms) >= MAX_TERMS:
            break
    return Need(raw=raw, text=text, truncated=truncated, terms=terms[:MAX_TERMS])


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def members_containing(*, community: Community, term: str) -> set[int]:
    """Members whose profile document contains `term`, by the database's n-gram index."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and len(term) >= 3:
            # The FTS lookup as a subquery: joined, SQLite may probe the index once per row.
            cursor.execute(
                "SELECT member_id FROM matching_memberprofile WHERE id IN ("
                " SELECT rowid FROM matching_memberprofile_fts"
                " WHERE matching_memberprofile_fts MATCH %s) AND community_id = %s",
                ['"' + term.replace('"', '""') + '"', community.pk],
            )
        else:
            # pg_trgm's GIN index answers LIKE for three characters or more; two-character
            # terms (農業, 英語) are checked row by row on either database.
            cursor.execute(
                "SELECT member_id FROM matching_memberprofile"
                " WHERE community_id = %s AND document LIKE %s ESCAPE '\\'",
                [community.pk, _like(term)],
            )
        return {row[0] for row in cursor.fetchall()}


def matched_tags(*, community: Community, need: Need) -> dict[int, Tag]:
    """Skill and topic tags the need names, or that contain one of its terms."""
    words = {t.text for t in need.terms if t.weight == 1.0}
    found = {}
    for tag in Tag.objects.filter(community=community, kind__in=list(TAG_WEIGHT)):
        name = search_normalize(tag.name)
        if len(name) >= 2 and (name in need.text or any(w in name for w in words)):
            found[tag.pk] = tag
    return found


@dataclass
class Match:
    member_id: int
    exact: float = 0.0
    cosine: float | None = None
    score: float = 0.0
    terms: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)


@dataclass
class ScoutResult:
    need: Need
    matches: list[Match]
    members: list[Member]
    semantic: bool
    candidates: int


def _exact(*, community: Community, need: Need) -> dict[int, Match]:
    matches: dict[int, Match] = {}
    total = MemberProfile.objects.filter(community=community).count() or 1
    # (member, term group) → (score, piece) of the best piece of the need's word they match.
    best: dict[tuple[int, int], tuple[float, str]] = {}
    for term in need.terms:
        ids = members_containing(community=community, term=term.text)
        if not ids:
            continue
        score = term.weight * math.log(1 + total / len(ids))
        for member_id in ids:
            key = (member_id, term.group)
            if key not in best or best[key][0] < score:
                best[key] = (score, term.text)
    for (member_id, _group), (score, text) in best.items():
        match = matches.setdefault(member_id, Match(member_id))
        match.exact += score
        match.terms.add(text)
    tags = matched_tags(community=community, need=need)
    if tags:
        for kind in TAG_WEIGHT:
            through = getattr(Member, "skills" if kind == Tag.Kind.SKILL else "topics").through
            rows = list(
                through.objects.filter(
                    tag_id__in=[pk for pk, t in tags.items() if t.kind == kind],
                    member__community=community,
                ).values_list("member_id", "tag_id")
            )
            counts: dict[int, int] = {}
            for _member_id, tag_id in rows:
                counts[tag_id] = counts.get(tag_id, 0) + 1
            for member_id, tag_id in rows:
                match = matches.setdefault(member_id, Match(member_id))
                match.tags.add(tags[tag_id].name)
                match.exact += TAG_WEIGHT[kind] * math.log(1 + total / counts[tag_id])
    return matches


def rank(*, community: Community, need: Need, use_semantic: bool = True) -> tuple[list, bool]:
    """Every candidate member for the need, best first, and whether semantic scores were
    used. Not yet narrowed by filters or by who the staff member may see."""
    matches = _exact(community=community, need=need)
    top_exact = max((m.exact for m in matches.values()), default=0.0)
    for match in matches.values():
        match.score = match.exact / top_exact if top_exact else 0.0
    used = use_semantic and semantic.available()
    if used:
        query = semantic.embed_query(need.text)
        span = SEMANTIC_CEIL - SEMANTIC_FLOOR
        near = semantic.member_index(community.pk).search(
            query, limit=SEMANTIC_CANDIDATES, floor=SEMANTIC_FLOOR
        )
        for member_id, cos in near:
            match = matches.setdefault(member_id, Match(member_id))
            match.cosine = cos
            match.score += SEMANTIC_WEIGHT * min(1.0, (cos - SEMANTIC_FLOOR) / span)
    ordered = sorted(
        (m for m in matches.values() if m.score > 0),
        key=lambda m: (-m.score, m.member_id),
    )
    return ordered, used


def scout(
    *,
    community: Community,
    need: Need,
    members: QuerySet[Member],
    limit: int = 30,
    use_semantic: bool = True,
) -> ScoutResult:
    """The best `limit` members of `members` (already filtered and scoped) for the need."""
    ordered, used = rank(community=community, need=need, use_semantic=use_semantic)
    candidates = len(ordered)
    ordered = ordered[:MAX_CANDIDATES]
    kept: list[Match] = []
    chunk = 1000
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        allowed = set(members.filter(pk__in=[m.member_id for m in part]).values_list("pk",
                                                                                    flat=True))
        kept += [m for m in part if m.member_id in allowed]
        if len(kept) >= limit:
            break
    kept = kept[:limit]
    rows = Member.objects.filter(pk__in=[m.member_id for m in kept]).prefetch_related(
        "skills", "topics", "ties"
    )
    by_id = {m.pk: m for m in rows}
    return ScoutResult(
        need=need,
        matches=kept,
        members=[by_id[m.member_id] for m in kept],
        semantic=used,
        candidates=candidates,
    )


def highlight(text: str, terms, *, width: int = 160) -> SafeString:
    """`text` (as the member typed it) with the matched terms in <mark>, cut to about
    `width` characters around the first match. Terms are compared after the same
    normalisation as the search, character by character, so positions map back."""
    folded, origin = [], []
    for index, char in enumerate(text):
        for piece in unicodedata.normalize("NFKC", char).casefold():
            folded.append(piece)
            origin.append(index)
    folded_text = "".join(folded)
    marks = [False] * len(text)
    first = None
    for term in sorted(terms, key=len, reverse=True):
        for hit in re.finditer(re.escape(term), folded_text):
            for i in range(hit.start(), hit.end()):
                marks[origin[i]] = True
            start = origin[hit.start()]
            first = start if first is None else min(first, start)
    begin = max(0, (first or 0) - width // 4)
    end = min(len(text), begin + width)
    out, open_ = [], False
    if begin:
        out.append("…")
    for i in range(begin, end):
        if marks[i] and not open_:
            out.append("<mark>")
            open_ = True
        elif not marks[i] and open_:
            out.append("</mark>")
            open_ = False
        out.append(escape(text[i]))
    if open_:
        out.append("</mark>")
    if end < len(text):
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308 - every character above went through escape()
