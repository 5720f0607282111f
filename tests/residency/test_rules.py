"""The Premium rules against a table of cases, and the same rules over real rows."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from enishi.activities import services as activity_services
from enishi.insights.periods import fiscal_year
from enishi.ledger.services import engagement_correct
from enishi.members.models import Member
from enishi.residency import selectors, services
from enishi.residency.models import IdentityLevel, RuleSet
from enishi.residency.rules import Facts, evaluate
from tests.activities.factories import SessionFactory
from tests.factories import MemberFactory, staff_user

IGA = "24216"
TOKYO = "13101"


def rules(**changes) -> RuleSet:
    values = dict(required_activities=3, min_identity_level=IdentityLevel.IN_PERSON,
                  max_municipalities=3, yearly_renewal=True, excludes_residents=True)  # fmt: skip
    values.update(changes)
    return RuleSet(**values)


def facts(**changes) -> Facts:
    values = dict(designated_done=3, identity_level=IdentityLevel.IN_PERSON,
                  other_municipalities=0, municipality_code=TOKYO, community_code=IGA,
                  fiscal_year=2026)  # fmt: skip
    values.update(changes)
    return Facts(**values)


CASES = [
    # (name, facts, rule changes, qualifies, one short, number of things missing)
    ("exactly three activities", {}, {}, True, False, 0),
    ("more than three", {"designated_done": 7}, {}, True, False, 0),
    ("two activities: one short", {"designated_done": 2}, {}, False, True, 1),
    ("one activity: two short", {"designated_done": 1}, {}, False, False, 1),
    ("none", {"designated_done": 0}, {}, False, False, 1),
    ("e-mail only is not enough", {"identity_level": IdentityLevel.EMAIL}, {}, False, False, 1),
    ("external identity counts", {"identity_level": IdentityLevel.EXTERNAL}, {}, True, False, 0),
    ("no identity at all", {"identity_level": IdentityLevel.NONE}, {}, False, False, 1),
    ("rule asks only for e-mail", {"identity_level": IdentityLevel.EMAIL},
     {"min_identity_level": IdentityLevel.EMAIL}, True, False, 0),
    ("own municipality", {"municipality_code": IGA}, {}, False, False, 1),
    ("own municipality allowed by the rules", {"municipality_code": IGA},
     {"excludes_residents": False}, True, False, 0),
    ("residence unknown", {"municipality_code": ""}, {}, False, False, 1),
    ("two others: three in all", {"other_municipalities": 2}, {}, True, False, 0),
    ("three others: four municipalities", {"other_municipalities": 3}, {}, False, False, 1),
    ("four municipalities allowed when the rule says 4", {"other_municipalities": 3},
     {"max_municipalities": 4}, True, False, 0),
    ("two short and everything else wrong",
     {"designated_done": 1, "identity_level": IdentityLevel.EMAIL, "other_municipalities": 5,
      "municipality_code": IGA}, {}, False, False, 4),
    ("two activities and e-mail only: not one short",
     {"designated_done": 2, "identity_level": IdentityLevel.EMAIL}, {}, False, False, 2),
    ("the rule asks for five", {"designated_done": 4}, {"required_activities": 5},
     False, True, 1),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fact_changes", "rule_changes", "qualifies", "short", "missing"),
                         CASES, ids=[c[0] for c in CASES])  # fmt: skip
def test_rule_table(name, fact_changes, rule_changes, qualifies, short, missing):
    status = evaluate(rules(**rule_changes), facts(**fact_changes))
    assert status.qualifies is qualifies
    assert status.one_activity_short is short
    assert len(status.missing) == missing


def test_validity_and_renewal_follow_the_fiscal_year():
    status = evaluate(rules(), facts(fiscal_year=2026))
    assert status.valid_until == date(2027, 3, 31)
    assert status.renewal_date == date(2027, 4, 1)
    assert evaluate(rules(yearly_renewal=False), facts()).renewal_date is None
    assert evaluate(rules(), facts(designated_done=0)).valid_until is None


def test_iga_has_the_reported_national_rules(community):
    rules = community.premium_rules
    assert (rules.required_activities, rules.max_municipalities) == (3, 3)
    assert rules.min_identity_level == IdentityLevel.IN_PERSON
    assert rules.yearly_renewal and rules.excludes_residents and rules.registers_prefecture


# Over rows: attendance at designated activities, from the ledger.


def _attend(member, *, designated_year: int | None, starts_at):
    session = SessionFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                             activity__opens_at=starts_at - timedelta(days=30),
                             activity__closes_at=starts_at - timedelta(days=1))  # fmt: skip
    if designated_year is not None:
        services.activity_designate(activity=session.activity, fiscal_year=designated_year,
                                    designated=True, by=None)  # fmt: skip
    application = session.applications.model.objects.create(
        session=session, member=member, status="accepted"
    )
    activity_services.application_mark_attended(application=application, by=None)
    return application


def _in_this_year(days: int) -> datetime:
    period = fiscal_year(selectors.current_fiscal_year())
    return min(period.start + timedelta(days=days), timezone.now() - timedelta(hours=days + 1))


@pytest.mark.django_db
def test_only_designated_activities_of_this_fiscal_year_count(community):
    member = MemberFactory(community=community)
    fy = selectors.current_fiscal_year()
    _attend(member, designated_year=fy, starts_at=_in_this_year(1))
    _attend(member, designated_year=fy, starts_at=_in_this_year(2))
    _attend(member, designated_year=None, starts_at=_in_this_year(3))  # not designated
    last_year = fiscal_year(fy - 1).start + timedelta(days=10)
    _attend(member, designated_year=fy - 1, starts_at=last_year)  # designated, previous year
    status = selectors.member_premium_status(member=member)
    assert status.facts.designated_done == 2
    assert status.one_activity_short is False  # identity is not verified yet
    services.identity_check_record(member=member, level=IdentityLevel.IN_PERSON,
                                   method="運転免許証", by=staff_user(community))  # fmt: skip
    assert selectors.member_premium_status(member=member).one_activity_short
    _attend(member, designated_year=fy, starts_at=_in_this_year(4))
    assert selectors.member_premium_status(member=member).qualifies


@pytest.mark.django_db
def test_a_corrected_attendance_no_longer_counts(community):
    member = MemberFactory(community=community)
    fy = selectors.current_fiscal_year()
    _attend(member, designated_year=fy, starts_at=_in_this_year(1))
    entry = member.engagements.get(source_type="activity_session")
    engagement_correct(entry=entry, note="取り消し", created_by=None)
    assert selectors.member_premium_status(member=member).facts.designated_done == 0


RULE_VARIANTS = [
    {},
    {"required_activities": 1},
    {"min_identity_level": IdentityLevel.EMAIL, "excludes_residents": False},
    {"max_municipalities": 4, "required_activities": 2},
]


@pytest.mark.django_db
@pytest.mark.parametrize("changes", RULE_VARIANTS, ids=lambda c: str(c) or "iga")
def test_the_staff_lists_agree_with_the_rules(community, changes):
    admin = staff_user(community)
    fy = selectors.current_fiscal_year()
    people = {}
    shapes = {
        # name: (designated attendances, identity level, other municipalities, municipality)
        "three": (3, IdentityLevel.IN_PERSON, 0, TOKYO),
        "two": (2, IdentityLevel.IN_PERSON, None, TOKYO),
        "one": (1, IdentityLevel.EXTERNAL, 1, TOKYO),
        "none": (0, IdentityLevel.IN_PERSON, None, TOKYO),
        "email only": (3, None, None, TOKYO),
        "resident": (3, IdentityLevel.EXTERNAL, None, IGA),
        "unknown home": (2, IdentityLevel.IN_PERSON, None, ""),
        "many towns": (3, IdentityLevel.IN_PERSON, 3, TOKYO),
    }
    for name, (done, level, others, home) in shapes.items():
        member = MemberFactory(community=community, given_name=name, municipality_code=home)
        if level is not None:
            services.identity_check_record(member=member, level=level, method="対面", by=admin)
        if others is not None:
            services.declaration_save(member=member, other_municipalities=others, share=False,
                                      policy_version="1.0")  # fmt: skip
        for day in range(done):
            _attend(member, designated_year=fy, starts_at=_in_this_year(day + 1))
        people[name] = member
    RuleSet.objects.filter(community=community).update(**changes)
    rules = selectors.rules_for(RuleSet.objects.get(community=community).community)
    members = Member.objects.filter(community=community)
    qualifying = set(selectors.premium_candidates(members=members, rules=rules, fy=fy,
                                                  short=False))  # fmt: skip
    short = set(selectors.premium_candidates(members=members, rules=rules, fy=fy, short=True))
    for member in members:
        status = selectors.status_of(
            selectors.with_facts(Member.objects.filter(pk=member.pk), fy=fy).get(),
            rules=rules, fy=fy,
        )  # fmt: skip
        assert status.qualifies == (member in qualifying), member.given_name
        assert status.one_activity_short == (member in short), member.given_name
    if not changes:
        assert qualifying == {people["three"]} and short == {people["two"]}
