"""Every figure of the dashboard against values worked out by hand (see dataset.py)."""

from datetime import date

import pytest
from django.utils import timezone

from enishi.insights import periods, selectors
from enishi.ledger.selectors import Stage

from .dataset import jst

pytestmark = pytest.mark.django_db

FY2024 = periods.fiscal_year(2024)
FY2023 = periods.fiscal_year(2023)


def test_fiscal_years_start_on_the_first_of_april_in_japan_time():
    assert periods.fiscal_year_of(date(2025, 3, 31)) == 2024
    assert periods.fiscal_year_of(date(2025, 4, 1)) == 2025
    assert FY2024.start == jst(2024, 4, 1)
    assert FY2024.end == jst(2025, 4, 1)
    assert FY2024.previous() == FY2023
    assert periods.month(date(2025, 1, 15)).previous() == periods.month(date(2024, 12, 1))
    custom = periods.custom(date(2025, 1, 11), date(2025, 1, 20))
    assert custom.previous() == periods.custom(date(2025, 1, 1), date(2025, 1, 10))
    assert periods.month(date(2024, 2, 10)).last_day == date(2024, 2, 29)


def test_headline_funnel_and_ranks_at_the_end_of_a_fiscal_year(community, dataset):
    figures = selectors.standing(community=community, period=FY2024)
    # A, B, D, F (C withdrew in October, E never verified their address).
    assert figures.members == 4
    assert figures.new == 3  # B (April), A (May), F (March)
    assert figures.withdrawn == 1  # C
    assert figures.active == 2  # A and B did something in the 12 months; D's visit is older
    assert figures.lapsed == 1  # D
    assert figures.funnel == {
        Stage.REGISTERED: 4,
        Stage.TAKING_PART: 2,  # A attended; D is designated 担い手 (and so beyond)
        Stage.CONTINUING: 2,  # A: 3 engagements in Jun, Sep, Jan (the corrected visit not counted)
        Stage.CARRIER: 1,  # D
    }
    ranks = {(rank.name if rank else None): n for rank, n in figures.ranks}
    # A: 10 + 60 + 20 + 30 = 120 points → 下忍; B, D 30 points; F none → 新入り.
    assert ranks == {"新入り": 3, "下忍": 1, "中忍": 0, "上忍": 0, "頭領": 0}


def test_the_previous_fiscal_year(community, dataset):
    figures = selectors.standing(community=community, period=FY2023)
    assert (figures.members, figures.new, figures.withdrawn) == (2, 2, 0)  # C and D
    assert (figures.active, figures.lapsed) == (2, 0)
    assert figures.funnel == {Stage.REGISTERED: 2, Stage.TAKING_PART: 2,
                              Stage.CONTINUING: 1, Stage.CARRIER: 1}  # fmt: skip
    ranks = {(rank.name if rank else None): n for rank, n in figures.ranks}
    assert ranks["下忍"] == 1  # C: 10 + 60
    assert ranks["新入り"] == 1  # D


def test_several_periods_in_one_pass_give_the_same_figures(community, dataset,
                                                          django_assert_num_queries):  # fmt: skip
    one_by_one = [selectors.standing(community=community, period=p) for p in (FY2024, FY2023)]
    with django_assert_num_queries(3):  # the ladder, the members, the ledger
        together = selectors.standings(community=community, periods=[FY2024, FY2023])
    assert together == one_by_one


def test_a_month_counts_only_its_own_arrivals(community, dataset):
    may = selectors.standing(community=community, period=periods.month(date(2024, 5, 1)))
    assert (may.members, may.new, may.withdrawn) == (4, 1, 0)  # B, C, D and A who joined
    october = selectors.standing(community=community, period=periods.month(date(2024, 10, 1)))
    assert (october.members, october.new, october.withdrawn) == (3, 0, 1)


def test_the_standing_of_today_matches_the_ledger_selectors(community, dataset):
    from enishi.ledger.selectors import standings

    this_year = periods.fiscal_year(periods.fiscal_year_of(timezone.localdate()))
    figures = selectors.standing(community=community, period=this_year)
    alive = community.members.filter(selectors.alive_q(timezone.now()))
    by_stage = {}
    for _member, standing in standings(community=community, members=alive):
        by_stage[standing.stage] = by_stage.get(standing.stage, 0) + 1
    order = Stage.ORDER
    reached = {s: sum(by_stage.get(t, 0) for t in order[order.index(s):]) for s in order}
    assert figures.funnel == reached


def test_growth_month_by_month(community, dataset):
    data = selectors.growth(community=community, period=FY2024)
    assert data["at_start"] == 2
    assert not data["weekly"]
    series = {row["bucket"]: row for row in data["series"]}
    assert len(series) == 12
    assert series[date(2024, 4, 1)]["new"] == 1
    assert series[date(2024, 4, 1)]["members"] == 3
    assert series[date(2024, 5, 1)]["members"] == 4
    assert series[date(2024, 6, 1)]["sessions"] == 1
    assert series[date(2024, 6, 1)]["mailings"] == 1  # the newsletter, not the welcome mail
    assert [m["subject"] for m in data["mailings"]] == ["田植え体験のご案内"]
    assert series[date(2024, 10, 1)]["withdrawn"] == 1
    assert series[date(2024, 10, 1)]["members"] == 3
    assert series[date(2025, 3, 1)] == {"bucket": date(2025, 3, 1), "new": 1, "referred": 1,
                                        "withdrawn": 0, "members": 4, "sessions": 0,
                                        "mailings": 0}  # fmt: skip
    assert data["referred"] == 1
    assert {row["channel"]: row["n"] for row in data["channels"]} == {"": 2, "sns": 1}


def test_benefits_used_and_visits_per_shop_and_spot(community, dataset):
    data = selectors.shops(community=community, period=FY2024)
    assert data["shops"] == [
        {"name": "伊賀焼の店", "redemptions": 3, "redeemers": 2, "visits": 1},
    ]
    assert [(s["spot__name"], s["n"], s["people"]) for s in data["spots"]] == [
        ("伊賀上野駅", 1, 1), ("伊賀焼の店の入口", 1, 1),
    ]
    assert (data["redemptions"], data["visits"]) == (3, 2)
    earlier = selectors.shops(community=community, period=FY2023)
    assert earlier["shops"] == [] and earlier["visits"] == 1


def test_short_periods_are_shown_week_by_week(community, dataset):
    period = periods.month(date(2024, 4, 1))
    data = selectors.growth(community=community, period=period)
    assert data["weekly"]
    weeks = {row["bucket"]: row["new"] for row in data["series"]}
    assert list(weeks)[0] == date(2024, 4, 1)  # a Monday
    assert weeks[date(2024, 4, 15)] == 1  # B joined on Saturday 20 April


def test_places_and_profile(community, dataset):
    assert selectors.prefectures(community=community, period=FY2024) == {"13": 2, "27": 1, "24": 1}
    cities = selectors.municipalities(community=community, period=FY2024, prefecture="13")
    assert [(c["city"], c["n"]) for c in cities] == [("千代田区", 2)]
    profile = selectors.profile(community=community, period=FY2024)
    assert {r["birth_decade"]: r["n"] for r in profile["decades"]} == {1970: 1, 1980: 2, 1990: 1}
    assert {r["tie"]: r["n"] for r in profile["ties"]} == {"birthplace": 3, "family": 1,
                                                           "tourism": 1}  # fmt: skip


def test_engagements_by_use_count_live_entries_only(community, dataset):
    data = selectors.engagements_by_use(community=community, period=FY2024)
    assert data["n"] == 4  # the corrected November visit is not counted
    assert data["people"] == 2
    assert data["counts"] == {
        (date(2024, 6, 1), "local_activity"): 1,
        (date(2024, 7, 1), "visit"): 1,
        (date(2024, 9, 1), "visit"): 1,
        (date(2025, 1, 1), "donation"): 1,
    }
    mine = selectors.engagements_by_use(community=community, period=FY2024,
                                        organizer=dataset["organizer"])  # fmt: skip
    assert mine["counts"] == {(date(2024, 6, 1), "local_activity"): 1}


def test_activities_and_events(community, dataset):
    rows = selectors.activities(community=community, period=FY2024)
    assert [(r["session__activity__title"], r["applications"], r["accepted"], r["attended"],
             r["no_show"], r["no_show_rate"]) for r in rows] == [
        ("田植え体験", 2, 2, 1, 1, 0.5)
    ]  # fmt: skip
    assert selectors.events(community=community, period=FY2024) == {
        "sessions": 1, "participations": 1, "participants": 1}  # fmt: skip
    assert selectors.events(community=community, period=FY2023)["sessions"] == 1
    other = selectors.activities(community=community, period=FY2023,
                                 organizer=dataset["organizer"])  # fmt: skip
    assert other == []


def test_retention_cohorts(community, dataset):
    cohorts = {c["month"]: c for c in selectors.retention(community=community, period=FY2024)}
    assert list(cohorts) == [date(2024, 4, 1), date(2024, 5, 1), date(2025, 3, 1)]
    b = cohorts[date(2024, 4, 1)]
    assert b["size"] == 1 and len(b["cells"]) == 12
    assert [c["offset"] for c in b["cells"] if c["n"]] == [3]  # B's July visit
    a = cohorts[date(2024, 5, 1)]
    assert [(c["offset"], c["share"]) for c in a["cells"] if c["n"]] == [(1, 1.0), (4, 1.0),
                                                                         (8, 1.0)]  # fmt: skip
    assert len(a["cells"]) == 11  # May 2024 … March 2025
    assert cohorts[date(2025, 3, 1)]["cells"] == [{"offset": 0, "n": 0, "share": 0}]


def test_open_data_counts(community, dataset):
    rows = selectors.open_data(community=community, period=FY2024)
    assert [(r["member__prefecture_code"], r["member__birth_decade"], r["tie"], r["n"])
            for r in rows] == [("13", 1980, "birthplace", 2), ("24", 1970, "birthplace", 1),
                               ("27", 1990, "family", 1), ("27", 1990, "tourism", 1)]  # fmt: skip
