"""The dashboard's sections. Each section is one selector call turned into tables (the
figures, each downloadable as CSV) and charts (SVG drawn from the same tables), shown by one
template block. A new section (donations, shop visits…) is one more `Section` in `SECTIONS`.

Selectors are called through `figure()`: live when the context has no `Figures`, otherwise
from (or into) the cache of `snapshots`, which is how the page is drawn without waiting.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enishi.communities.models import Community, Organizer
from enishi.core.japan import PREFECTURE_CHOICES, PREFECTURE_NAMES
from enishi.donations.selectors import donation_figures, latent_counts
from enishi.ledger.models import Kind
from enishi.ledger.selectors import Stage
from enishi.members.models import Channel, Tie, Use
from enishi.shops.models import VisitSpot

from . import charts, selectors
from .forms import InsightsFilterForm
from .periods import Period
from .snapshots import Figures


@dataclass
class Table:
    key: str
    caption: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    # Per row, where the members behind its count are listed (None: no list for it).
    links: list[str | None] = field(default_factory=list)
    link_column: int = 1

    def cells(self) -> list[list[tuple]]:
        """Rows as (value, member-list link or None, is a number) for the template."""
        result = []
        for i, row in enumerate(self.rows):
            link = self.links[i] if i < len(self.links) else None
            result.append([
                (value, link if c == self.link_column else None, isinstance(value, int | float))
                for c, value in enumerate(row)
            ])  # fmt: skip
        return result


@dataclass
class Context:
    community: Community
    period: Period
    previous: Period
    organizer: Organizer | None
    # Member-list URL for these filters, or None for staff who may not see members.
    member_link: Callable[[dict], str | None]
    figures: Figures | None = None  # None: every figure is computed live


def figure(ctx: Context, selector: Callable, **arguments):
    """A selector's result for this context: live, or through the snapshot cache."""
    if ctx.figures is None:
        return selector(**arguments)
    return ctx.figures.get(selector, **arguments)


def member_list_link(allowed: bool) -> Callable[[dict], str | None]:
    def link(filters: dict) -> str | None:
        if not allowed:
            return None
        return reverse("members:staff_list") + "?" + urlencode(filters)

    return link


def _percent(part, whole) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def _change(now, before) -> int | str:
    return "—" if now is None or before is None else now - before


def _bucket_label(day, weekly: bool) -> str:
    return f"{day:%m/%d}" if weekly else f"{day:%Y-%m}"


# --- sections -------------------------------------------------------------------------------


def headline(ctx: Context) -> dict:
    ladder = list(ctx.community.ranks.order_by("min_points"))
    periods = [ctx.period, ctx.previous]
    now, before = figure(ctx, selectors.standings, community=ctx.community, periods=periods,
                         ladder=ladder)  # fmt: skip
    latent, latent_before = figure(ctx, latent_counts, community=ctx.community,
                                   periods=periods)  # fmt: skip
    p = ctx.period
    joined = {"joined_from": p.first_day.isoformat(), "joined_to": p.last_day.isoformat()}
    figures = [
        (_("会員数"), now.members, before.members, {"status": "active"}),
        (_("潜在（連絡先）"), latent, latent_before, None),
        (_("この期間の新規登録"), now.new, before.new, joined),
        (_("活動中（12か月以内に関わり）"), now.active, before.active, None),
        (_("休眠（12か月関わりなし）"), now.lapsed, before.lapsed, None),
        (_("この期間の退会"), now.withdrawn, before.withdrawn, {"status": "withdrawn"}),
    ]
    table = Table("headline", _("主な数字"), [_("項目"), _("人数"), _("前の期間"), _("増減")])
    for label, value, previous, filters in figures:
        table.rows.append([label, value, previous, _change(value, previous)])
        table.links.append(ctx.member_link(filters) if filters and value else None)

    funnel = Table("funnel", _("潜在 → 登録 → 参加 → 継続 → 担い手"),
                   [_("段階"), _("人数"), _("前の段階から"), _("前の期間"), _("増減")])  # fmt: skip
    funnel.rows.append([_("潜在"), latent, "—", latent_before, _change(latent, latent_before)])
    funnel.links.append(None)
    previous_count = None
    for stage in Stage.ORDER:
        count = now.funnel[stage]
        rate = _percent(count, previous_count) if previous_count is not None else "—"
        funnel.rows.append([str(Stage.LABELS[stage]), count, rate, before.funnel[stage],
                            _change(count, before.funnel[stage])])  # fmt: skip
        funnel.links.append(None)
        previous_count = count
    ranks = Table("ranks", _("ランクの分布"), [_("ランク"), _("人数"), _("前の期間")])
    before_ranks = {getattr(r, "pk", None): n for r, n in before.ranks}
    for rank, count in now.ranks:
        ranks.rows.append([rank.name if rank else _("ランクなし"), count,
                           before_ranks.get(getattr(rank, "pk", None), 0)])  # fmt: skip
        ranks.links.append(None)
    return {
        "standing": now,
        "tables": [table, funnel, ranks],
        "funnel_chart": charts.hbars(
            "chart-funnel", _("ファネル（人数）"),
            [(row[0], row[1]) for row in funnel.rows[1:]], unit=_("人"),
        ),
        "ranks_chart": charts.hbars(
            "chart-ranks", _("ランクの分布"), [(r[0], r[1]) for r in ranks.rows], unit=_("人")
        ),
    }  # fmt: skip


def growth(ctx: Context) -> dict:
    data = figure(ctx, selectors.growth, community=ctx.community, period=ctx.period)
    weekly = data["weekly"]
    series = data["series"]
    table = Table("growth", _("登録の推移"),
                  [_("週") if weekly else _("月"), _("新規登録"), _("うち紹介"), _("退会"),
                   _("会員数（累計）"), _("開催した活動（回）"),
                   _("送ったメールマガジン（通）")])  # fmt: skip
    for row in series:
        table.rows.append([_bucket_label(row["bucket"], weekly), row["new"], row["referred"],
                           row["withdrawn"], row["members"], row["sessions"],
                           row["mailings"]])  # fmt: skip
        table.links.append(None)
    labels = [r[0] for r in table.rows]
    channels = Table("channels", _("登録のきっかけ（この期間の新規登録）"),
                     [_("きっかけ"), _("人数")])  # fmt: skip
    names = dict(Channel.choices)
    for row in data["channels"]:
        channels.rows.append([str(names.get(row["channel"], _("未回答"))), row["n"]])
        channels.links.append(None)
    channels.rows.append([_("うち会員の紹介"), data["referred"]])
    channels.links.append(None)
    return {
        "tables": [table, channels],
        "mailings": data["mailings"],
        "at_start": data["at_start"],
        "weekly": weekly,
        "new_chart": charts.columns(
            "chart-growth", _("新規登録の推移"), labels,
            [(_("新規登録"), [r["new"] for r in series])],
            marks=[(_("開催した活動（回）"), [r["sessions"] for r in series]),
                   (_("送ったメールマガジン（通）"), [r["mailings"] for r in series])],
        ),
        "members_chart": charts.columns(
            "chart-members", _("会員数の推移"), labels,
            [(_("会員数"), [r["members"] for r in series])],
        ),
        "channels_chart": charts.hbars(
            "chart-channels", _("登録のきっかけ"), [(r[0], r[1]) for r in channels.rows],
            unit=_("人"),
        ),
    }  # fmt: skip


def places(ctx: Context, prefecture: str | None = None) -> dict:
    counts = figure(ctx, selectors.prefectures, community=ctx.community, period=ctx.period)
    table = Table("prefectures", _("都道府県別の会員数"), [_("順位"), _("都道府県"), _("人数"),
                  _("割合")], link_column=2)  # fmt: skip
    total = sum(counts.values())
    labels = dict(PREFECTURE_CHOICES)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    links = {}
    for position, (code, n) in enumerate(ranked, start=1):
        table.rows.append([position, str(labels.get(code, code)), n, _percent(n, total)])
        link = ctx.member_link({"prefecture": code, "status": "active"})
        table.links.append(link)
        if link:
            links[code] = link
    result = {
        "tables": [table],
        "map": charts.tile_map("chart-map", _("都道府県別の会員数（地図）"), counts, links,
                               unit=_("人")),  # fmt: skip
        "prefecture": prefecture,
    }
    if prefecture in PREFECTURE_NAMES:
        cities = Table("municipalities",
                       _("%(prefecture)sの市区町村別") % {"prefecture": labels[prefecture]},
                       [_("市区町村コード"), _("市区町村"), _("人数")], link_column=2)  # fmt: skip
        for row in figure(ctx, selectors.municipalities, community=ctx.community,
                          period=ctx.period, prefecture=prefecture):  # fmt: skip
            cities.rows.append([row["municipality_code"], row["city"] or _("（不明）"), row["n"]])
            cities.links.append(None)
        result["tables"].append(cities)
    return result


def people(ctx: Context) -> dict:
    data = figure(ctx, selectors.profile, community=ctx.community, period=ctx.period)
    decades = Table("decades", _("年代（生まれた年代）"), [_("生まれた年代"), _("人数")])
    for row in data["decades"]:
        decade = row["birth_decade"]
        label = _("%(decade)s年代生まれ") % {"decade": decade} if decade else _("未回答")
        decades.rows.append([label, row["n"]])
        decades.links.append(None)
    ties = Table("ties", _("地域とのつながり"), [_("つながり"), _("人数")])
    tie_names = dict(Tie.choices)
    for row in data["ties"]:
        ties.rows.append([str(tie_names.get(row["tie"], row["tie"])), row["n"]])
        ties.links.append(ctx.member_link({"tie": row["tie"], "status": "active"}))
    topics = Table("topics", _("関心のあるテーマ（上位）"), [_("テーマ"), _("人数")])
    for row in data["topics"]:
        topics.rows.append([row["tag__name"], row["n"]])
        topics.links.append(ctx.member_link({"topic": row["tag_id"], "status": "active"}))
    skills = Table("skills", _("スキル・経験（上位）"), [_("スキル・経験"), _("人数")])
    for row in data["skills"]:
        skills.rows.append([row["tag__name"], row["n"]])
        skills.links.append(None)
    return {
        "tables": [decades, ties, topics, skills],
        "charts": [
            charts.hbars("chart-" + t.key, t.caption, [(r[0], r[1]) for r in t.rows], unit=_("人"))
            for t in (decades, ties, topics, skills)
        ],
    }


USES = [kind for kind in Kind.values if kind != Kind.REGISTRATION]


def doings(ctx: Context) -> dict:
    data = figure(ctx, selectors.engagements_by_use, community=ctx.community,
                  period=ctx.period, organizer=ctx.organizer)  # fmt: skip
    weekly = ctx.period.days <= selectors.WEEKLY_UP_TO_DAYS
    names = dict(Use.choices)
    headers = [_("週") if weekly else _("月"), *[str(names[u]) for u in USES], _("計")]
    table = Table("uses", _("6つの関わり方ごとの関わり（件数）"), headers)
    for day in data["buckets"]:
        values = [data["counts"].get((day, use), 0) for use in USES]
        table.rows.append([_bucket_label(day, weekly), *values, sum(values)])
        table.links.append(None)
    totals = Table("use_totals", _("関わり方ごとの合計"), [_("関わり方"), _("件数")])
    for i, use in enumerate(USES):
        totals.rows.append([str(names[use]), sum(row[i + 1] for row in table.rows)])
        totals.links.append(None)
    headers = [_("活動"), _("応募"), _("参加確定"), _("参加"), _("欠席"), _("欠席率")]
    activities = Table("activities", _("活動ごとの応募と参加"), headers)
    for row in figure(ctx, selectors.activities, community=ctx.community, period=ctx.period,
                      organizer=ctx.organizer):  # fmt: skip
        rate = row["no_show_rate"]
        activities.rows.append([row["session__activity__title"], row["applications"],
                                row["accepted"], row["attended"], row["no_show"],
                                "—" if rate is None else f"{rate * 100:.1f}%"])  # fmt: skip
        activities.links.append(None)
    return {
        "tables": [table, totals, activities],
        "total": data["n"],
        "people": data["people"],
        "chart": charts.columns(
            "chart-uses", _("6つの関わり方ごとの関わり"), [r[0] for r in table.rows],
            [(str(names[u]), [r[i + 1] for r in table.rows]) for i, u in enumerate(USES)],
        ),
    }  # fmt: skip


def shops(ctx: Context) -> dict:
    data = figure(ctx, selectors.shops, community=ctx.community, period=ctx.period)
    by_shop = Table("shops", _("協力店ごとの特典利用と来訪"),
                    [_("協力店"), _("特典の利用（件）"), _("利用した人"),
                     _("来訪（件）")])  # fmt: skip
    for shop in data["shops"]:
        by_shop.rows.append([shop["name"], shop["redemptions"], shop["redeemers"],
                             shop["visits"]])  # fmt: skip
        by_shop.links.append(None)
    kinds = dict(VisitSpot.Kind.choices)
    spots = Table("spots", _("立ち寄りスポットごとの来訪"),
                  [_("スポット"), _("種類"), _("来訪（件）"), _("来訪した人")])  # fmt: skip
    for spot in data["spots"]:
        spots.rows.append([spot["spot__name"], str(kinds.get(spot["spot__kind"], "")),
                           spot["n"], spot["people"]])  # fmt: skip
        spots.links.append(None)
    return {
        "tables": [by_shop, spots],
        "redemptions": data["redemptions"],
        "visits": data["visits"],
        "chart": charts.hbars(
            "chart-shops", _("協力店ごとの特典利用"),
            [(row[0], row[1]) for row in by_shop.rows], unit=_("件"),
        ),
    }  # fmt: skip


def retention(ctx: Context) -> dict:
    cohorts = figure(ctx, selectors.retention, community=ctx.community, period=ctx.period)
    width = max((len(c["cells"]) for c in cohorts), default=0)
    months = [_("%(n)sか月目") % {"n": k} for k in range(width)]
    table = Table("retention", _("入会月ごとの継続（関わりのあった人の割合）"),
                  [_("入会月"), _("人数"), *months])  # fmt: skip
    for cohort in cohorts:
        cells = [_percent(c["n"], cohort["size"]) for c in cohort["cells"]]
        table.rows.append([f"{cohort['month']:%Y-%m}", cohort["size"], *cells,
                           *[""] * (width - len(cells))])  # fmt: skip
        table.links.append(None)
    return {"tables": [table], "cohorts": cohorts}


def donations(ctx: Context) -> dict:
    now, before = figure(ctx, donation_figures, community=ctx.community,
                         periods=[ctx.period, ctx.previous])  # fmt: skip
    table = Table("donations", _("ふるさと納税（この期間の寄附日）"),
                  [_("項目"), _("この期間"), _("前の期間"), _("増減")])  # fmt: skip
    rows = [
        (_("寄附（件）"), "count"), (_("寄附（円）"), "amount"),
        (_("会員の寄附（件）"), "member"), (_("会員でない寄附者の寄附（件）"), "contact"),
        (_("照合待ち（件）"), "review"),
    ]  # fmt: skip
    for label, key in rows:
        table.rows.append([label, now[key], before[key], _change(now[key], before[key])])
        table.links.append(None)
    return {
        "tables": [table],
        "chart": charts.hbars(
            "chart-donations", _("寄附者が会員か（件）"),
            [(_("会員"), now["member"]), (_("会員でない寄附者"), now["contact"]),
             (_("照合待ち"), now["review"])], unit=_("件"),
        ),
    }  # fmt: skip


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: Callable[..., dict]
    template: str


SECTIONS = [
    Section("headline", gettext_lazy("把握"), headline, "insights/sections/headline.html"),
    Section("growth", gettext_lazy("伸び"), growth, "insights/sections/growth.html"),
    Section("places", gettext_lazy("住まい"), places, "insights/sections/places.html"),
    Section("people", gettext_lazy("どんな人"), people, "insights/sections/people.html"),
    Section("doings", gettext_lazy("活動・関わり"), doings, "insights/sections/doings.html"),
    Section("shops", gettext_lazy("協力店・来訪"), shops, "insights/sections/shops.html"),
    Section("retention", gettext_lazy("継続"), retention, "insights/sections/retention.html"),
    Section("donations", gettext_lazy("ふるさと納税"), donations,
            "insights/sections/donations.html"),  # fmt: skip
]
SECTION_BY_KEY = {section.key: section for section in SECTIONS}


TABLE_SECTIONS = {
    "headline": ("headline", "funnel", "ranks"),
    "growth": ("growth", "channels"),
    "places": ("prefectures", "municipalities"),
    "people": ("decades", "ties", "topics", "skills"),
    "doings": ("uses", "use_totals", "activities"),
    "shops": ("shops", "spots"),
    "retention": ("retention",),
    "donations": ("donations",),
}


def _build(section: Section, ctx: Context, prefecture: str | None) -> dict:
    return section.build(ctx, prefecture) if section.key == "places" else section.build(ctx)


def build_sections(ctx: Context, prefecture: str | None) -> list[tuple[Section, dict]]:
    return [(section, _build(section, ctx, prefecture)) for section in SECTIONS]


def find_table(ctx: Context, key: str, *, prefecture: str | None = None) -> Table | None:
    """Build only the section that holds the table `key` and return that table."""
    for section_key, keys in TABLE_SECTIONS.items():
        if key in keys:
            data = _build(SECTION_BY_KEY[section_key], ctx, prefecture)
            return next((t for t in data["tables"] if t.key == key), None)
    return None


def context_for(
    *, community: Community, params: dict, fixed_organizer: Organizer | None,
    links_allowed: bool = False, figures: Figures | None = None,
) -> tuple[InsightsFilterForm, Context]:
    """The filter form and the context for the dashboard's GET parameters (a view's request,
    or the worker recomputing the same page)."""
    form = InsightsFilterForm(params or None, community=community,
                              fixed_organizer=fixed_organizer)  # fmt: skip
    period = form.chosen_period()
    ctx = Context(community=community, period=period, previous=period.previous(),
                  organizer=form.chosen_organizer(), member_link=member_list_link(links_allowed),
                  figures=figures)  # fmt: skip
    return form, ctx
