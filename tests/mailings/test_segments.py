"""Segments against hand-computed expectations, in one query."""

from datetime import timedelta

import pytest
from django.utils import timezone

from enishi.activities.models import Application
from enishi.communities.models import Rank, Tag
from enishi.ledger.selectors import Stage, standings
from enishi.ledger.services import engagement_record
from enishi.mailings.forms import SegmentForm
from enishi.mailings.models import SuppressedAddress
from enishi.mailings.selectors import reachable_members, segment_members
from enishi.members.models import Member, MemberUse
from tests.activities.factories import SessionFactory

from .conftest import subscriber


def _ago(days):
    return timezone.now() - timedelta(days=days)


def _on(year, month, day):
    return timezone.make_aware(timezone.datetime(year, month, day, 12))


@pytest.fixture
def people(community):
    year = timezone.localdate().year
    tags = {t.name: t for t in Tag.objects.filter(community=community)}
    a = subscriber(prefecture_code="13", birth_year=year - 41, ties=["birthplace"],
                   joined_at=_ago(320), nickname="a")  # fmt: skip
    MemberUse.objects.create(member=a, use="local_activity")
    a.topics.add(tags["農業"])
    b = subscriber(prefecture_code="27", birth_year=year - 28, ties=["family"],
                   joined_at=_on(2025, 6, 1),
                   nickname="b")  # fmt: skip
    MemberUse.objects.create(member=b, use="visit")
    b.topics.add(tags["忍者"])
    c = subscriber(prefecture_code="23", birth_year=year - 66, ties=["tourism"],
                   joined_at=_on(2024, 3, 1), nickname="c")  # fmt: skip
    c.skills.add(tags["IT"])
    h = subscriber(prefecture_code="26", birth_year=year - 35, designated_carrier=True,
                   joined_at=_on(2023, 5, 1), nickname="h")  # fmt: skip
    # Never chosen, whatever the conditions:
    subscriber(prefecture_code="13", newsletter=False, nickname="no-consent")
    subscriber(prefecture_code="27", status=Member.Status.WITHDRAWN, nickname="withdrawn")
    subscriber(prefecture_code="13", status=Member.Status.PENDING, nickname="pending")
    bounced = subscriber(prefecture_code="13", nickname="bounced")
    SuppressedAddress.objects.create(email=bounced.user.email, reason="bounced")

    # The ledger: a takes part regularly; b only registered long ago; c has points, no
    # attendance; h has nothing (designated as 担い手 by staff).
    session = SessionFactory(activity__use="local_activity", starts_at=_ago(20))
    Application.objects.create(session=session, member=a, status=Application.Status.ATTENDED)
    engagement_record(member=a, kind="registration", occurred_at=_ago(320))
    engagement_record(member=a, kind="local_activity", source_type="activity_session",
                      source_id=session.pk, occurred_at=_ago(20))  # fmt: skip
    engagement_record(member=a, kind="local_activity", source_type="activity_session",
                      source_id=session.pk + 1000, occurred_at=_ago(80))  # fmt: skip
    engagement_record(member=a, kind="knowledge", occurred_at=_ago(5))
    engagement_record(member=b, kind="registration", occurred_at=_ago(200))
    engagement_record(member=c, kind="knowledge", points=200, occurred_at=_ago(100))
    return {"a": a, "b": b, "c": c, "h": h, "session": session, "tags": tags}


def _names(community, match="all", **conditions):
    members = segment_members(community=community, match=match, conditions=conditions)
    return sorted(m.nickname for m in members)


def test_each_condition_alone(community, people):
    tags = people["tags"]
    assert _names(community, everyone=True) == ["a", "b", "c", "h"]
    assert _names(community, prefectures=["13"]) == ["a"]
    assert _names(community, regions=["kansai"]) == ["b", "h"]
    assert _names(community, regions=["tokai"]) == ["c"]
    assert _names(community, age_bands=["20"]) == ["b"]
    assert _names(community, age_bands=["30", "40"]) == ["a", "h"]
    assert _names(community, age_bands=["60", "70"]) == ["c"]
    assert _names(community, ties=["family", "tourism"]) == ["b", "c"]
    assert _names(community, uses=["local_activity"]) == ["a"]
    assert _names(community, topics=[tags["農業"].pk]) == ["a"]
    assert _names(community, skills=[tags["IT"].pk]) == ["c"]
    assert _names(community, joined={"from": "2025-01-01", "to": "2025-12-31"}) == ["b"]
    assert _names(community, inactive_days=30) == ["b", "c", "h"]
    assert _names(community, inactive_days=365) == ["h"]


def test_members_who_gave_through_furusato_nozei_ever_or_in_a_period(community, people):
    from datetime import date

    from enishi.donations.models import Donation

    def give(member, day, n):
        Donation.objects.create(community=community, identity=f"r:x:{n}", content_hash="h",
                                donated_on=day, amount=10000, member=member,
                                match="member")  # fmt: skip

    give(people["a"], date(2025, 12, 20), 1)
    give(people["c"], date(2026, 1, 5), 2)
    give(people["c"], date(2024, 12, 1), 3)
    Donation.objects.create(community=community, identity="r:x:4", content_hash="h",
                            donated_on=date(2025, 12, 1), amount=5000)  # a contact's: nobody
    assert _names(community, donated={"ever": True}) == ["a", "c"]
    assert _names(community, donated={"from": "2025-12-01", "to": "2025-12-31"}) == ["a"]
    assert _names(community, donated={"to": "2024-12-31"}) == ["c"]
    form = SegmentForm({"name": "寄附者", "match": "all", "donated": "on"}, community=community)
    assert form.is_valid() and form.conditions() == {"donated": {"ever": True}}
    form = SegmentForm({"name": "12月", "match": "all", "donated_from": "2025-12-01"},
                       community=community)  # fmt: skip
    assert form.is_valid() and form.conditions() == {"donated": {"from": "2025-12-01"}}
    with_donation = SegmentForm.initial_from(type("S", (), {
        "name": "12月", "match": "all", "conditions": {"donated": {"from": "2025-12-01"}}
    }))  # fmt: skip
    assert with_donation["donated"] and with_donation["donated_from"] == "2025-12-01"


def test_attended_an_activity_of_a_use_or_a_specific_one_within_a_period(community, people):
    session = people["session"]
    today = timezone.localdate()
    assert _names(community, attended={"use": "local_activity"}) == ["a"]
    assert _names(community, attended={"use": "visit"}) == []
    assert _names(community, attended={"activity": session.activity_id}) == ["a"]
    recent = {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}
    assert _names(community, attended=recent) == ["a"]
    old = {"to": (today - timedelta(days=60)).isoformat()}
    assert _names(community, attended=old) == []


def test_rank_and_stage_follow_the_ledger(community, people):
    ranks = {r.name: str(r.pk) for r in Rank.objects.filter(community=community)}
    assert _names(community, rank=ranks["下忍"]) == ["a", "c"]
    assert _names(community, rank=ranks["新入り"]) == ["b", "h"]
    assert _names(community, rank=ranks["中忍"]) == []
    assert _names(community, rank="none") == []
    assert _names(community, stage=Stage.CONTINUING) == ["a"]
    assert _names(community, stage=Stage.CARRIER) == ["h"]
    assert _names(community, stage=Stage.REGISTERED) == ["b", "c"]
    assert _names(community, stage=Stage.TAKING_PART) == []


def test_rank_and_stage_filters_agree_with_the_standing_selector(community, people):
    """The SQL version of the rules gives what `ledger.selectors.standings` derives."""
    reachable = reachable_members(community=community)
    derived = {m.pk: s for m, s in standings(community=community, members=reachable)}
    for rank in Rank.objects.filter(community=community):
        members = segment_members(community=community, match="all",
                                  conditions={"rank": str(rank.pk)})  # fmt: skip
        chosen = set(members.values_list("pk", flat=True))
        assert chosen == {pk for pk, s in derived.items() if s.rank == rank}, rank.name
    for stage in Stage.ORDER:
        members = segment_members(community=community, match="all", conditions={"stage": stage})
        chosen = set(members.values_list("pk", flat=True))
        assert chosen == {pk for pk, s in derived.items() if s.stage == stage}, stage


def test_and_or(community, people):
    assert _names(community, "all", prefectures=["13"], uses=["visit"]) == []
    assert _names(community, "any", prefectures=["13"], uses=["visit"]) == ["a", "b"]
    assert _names(community, "all", regions=["kansai"], inactive_days=30) == ["b", "h"]
    assert _names(community, "any", age_bands=["60"], stage=Stage.CARRIER) == ["c", "h"]


def test_every_condition_together_is_one_query(community, people, django_assert_num_queries):
    tags = people["tags"]
    rank = Rank.objects.get(community=community, name="下忍")
    conditions = {
        "prefectures": ["13", "27"], "regions": ["kanto"], "age_bands": ["40"],
        "ties": ["birthplace"], "uses": ["local_activity"], "topics": [tags["農業"].pk],
        "skills": [tags["IT"].pk], "rank": str(rank.pk), "stage": Stage.CONTINUING,
        "joined": {"from": "2020-01-01"}, "attended": {"use": "local_activity"},
        "inactive_days": 3, "donated": {"from": "2025-01-01"},
    }  # fmt: skip
    for match, expected in (("all", 0), ("any", 4)):
        members = segment_members(community=community, match=match, conditions=conditions)
        with django_assert_num_queries(1):
            assert members.count() == expected


def test_no_conditions_chooses_nobody_and_the_form_says_so(community, people):
    assert _names(community) == []
    form = SegmentForm({"name": "空", "match": "all"}, community=community)
    assert not form.is_valid()
    assert "条件を1つ以上選んでください" in str(form.non_field_errors())


def test_conditions_nobody_consenting_meets_count_zero(community, people):
    # Only the member without consent and the bounced one live in Tokyo besides a.
    assert _names(community, prefectures=["13"], uses=["visit"]) == []
    assert _names(community, prefectures=["47"]) == []


def test_form_round_trip(community, people):
    tags = people["tags"]
    data = {
        "name": "関西の若手", "match": "any", "regions": ["kansai"], "age_bands": ["20"],
        "topics": [tags["忍者"].pk], "joined_from": "2025-01-01", "joined_to": "2025-12-31",
        "attended_use": "visit", "inactive_days": "90",
    }  # fmt: skip
    form = SegmentForm(data, community=community)
    assert form.is_valid(), form.errors
    conditions = form.conditions()
    assert conditions == {
        "regions": ["kansai"], "age_bands": ["20"], "topics": [tags["忍者"].pk],
        "inactive_days": 90, "joined": {"from": "2025-01-01", "to": "2025-12-31"},
        "attended": {"use": "visit"},
    }  # fmt: skip
    bad = SegmentForm({**data, "joined_to": "2024-01-01"}, community=community)
    assert not bad.is_valid()
    assert "終わりの日" in str(bad.errors["joined_to"])
