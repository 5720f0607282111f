"""The pages: a member's status and declaration, the 登録証, staff lists, rules, designations,
identity checks and the registrations export."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from enishi.activities.models import Activity
from enishi.privacy.models import AuditEvent, Consent
from enishi.residency import selectors, services
from enishi.residency.exports import FIELDS, SCHEMA_VERSION
from enishi.residency.models import ActivityDesignation, IdentityCheck, IdentityLevel
from tests.activities.factories import ActivityFactory, SessionFactory
from tests.factories import MemberFactory, staff_user
from tests.insights.pdftext import pdf_pages_text

from .test_rules import _attend, _in_this_year

pytestmark = pytest.mark.django_db


def _premium_member(community, **kwargs):
    member = MemberFactory(community=community, **kwargs)
    services.identity_check_record(member=member, level=IdentityLevel.IN_PERSON,
                                   method="運転免許証", by=None)  # fmt: skip
    fy = selectors.current_fiscal_year()
    for day in range(3):
        _attend(member, designated_year=fy, starts_at=_in_this_year(day + 1))
    return member


def test_a_new_member_sees_what_is_missing(client, community):
    member = MemberFactory(community=community)
    client.force_login(member.user)
    page = client.get("/me/residency/").content.decode()
    assert "ベーシック" in page
    assert "指定された担い手活動への参加があと 3 回必要です。" in page
    assert "本人確認（職員による対面での確認 以上）が必要です。" in page
    assert "プレミアム登録の条件を満たしています" not in page
    assert "いまはベーシック登録です" in client.get("/me/").content.decode()


def test_a_member_finds_this_years_designated_activities(client, community):
    designated = ActivityFactory(community=community, title="指定の田植え")
    ActivityFactory(community=community, title="指定なしの会")
    for activity in Activity.objects.all():
        SessionFactory(activity=activity)
    services.activity_designate(activity=designated, fiscal_year=selectors.current_fiscal_year(),
                                designated=True, by=None)  # fmt: skip
    client.force_login(MemberFactory(community=community).user)
    page = client.get("/me/residency/").content.decode()
    assert "指定の田植え" in page and "指定なしの会" not in page


def test_a_member_who_qualifies_is_told(client, community):
    member = _premium_member(community)
    client.force_login(member.user)
    page = client.get("/me/residency/").content.decode()
    assert "プレミアム登録の条件を満たしています。" in page
    assert "足りないこと" not in page


def test_the_declaration_records_the_number_and_the_consent_once(client, community):
    member = MemberFactory(community=community)
    client.force_login(member.user)
    response = client.post("/me/residency/", {"other_municipalities": "3", "share": "on"})
    assert response.status_code == 302
    page = client.get("/me/residency/").content.decode()
    assert "プレミアム登録は 3 自治体までです（ほかに 3 自治体と申告されています）。" in page
    client.post("/me/residency/", {"other_municipalities": "1", "share": "on"})
    consents = member.consents.filter(purpose=Consent.Purpose.REGISTRY_SHARE)
    assert [(c.granted, c.version) for c in consents] == [(True, community.privacy_policy_version)]
    client.post("/me/residency/", {"other_municipalities": "1"})
    assert member.consents.filter(purpose=Consent.Purpose.REGISTRY_SHARE).first().granted is False


def test_a_wrong_number_stays_in_the_form_with_its_reason(client, community):
    member = MemberFactory(community=community)
    client.force_login(member.user)
    response = client.post("/me/residency/", {"other_municipalities": "-1", "share": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="-1"' in page and "aria-invalid" in page
    assert not member.consents.filter(purpose=Consent.Purpose.REGISTRY_SHARE).exists()


def test_the_registration_certificate_states_number_status_and_validity(client, community):
    member = _premium_member(community)
    client.force_login(member.user)
    response = client.get("/me/registration.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_pages_text(b"".join(response.streaming_content))[0]
    fy = selectors.current_fiscal_year()
    assert "登録証" in text and member.number in text and member.full_name in text
    assert "プレミアム" in text
    assert f"{fy + 1}年3月31日まで" in text
    assert "都道府県にも同時に登録されます。" in text


def test_a_basic_members_certificate_says_basic(client, community):
    member = MemberFactory(community=community)
    client.force_login(member.user)
    text = pdf_pages_text(b"".join(client.get("/me/registration.pdf").streaming_content))[0]
    assert "ベーシック" in text and "会員である間" in text


def test_staff_list_who_qualifies_and_who_is_one_short(client, community):
    qualifying = _premium_member(community, given_name="満たす")
    short = MemberFactory(community=community, given_name="あと一回")
    services.identity_check_record(member=short, level=IdentityLevel.EXTERNAL,
                                   method="公的個人認証", by=None)  # fmt: skip
    for day in range(2):
        _attend(short, designated_year=selectors.current_fiscal_year(),
                starts_at=_in_this_year(day + 1))  # fmt: skip
    client.force_login(staff_user(community))
    page = client.get("/staff/residency/").content.decode()
    assert qualifying.full_name in page and short.full_name not in page
    page = client.get("/staff/residency/?list=short").content.decode()
    assert short.full_name in page and qualifying.full_name not in page
    events = AuditEvent.objects.filter(action=AuditEvent.Action.PREMIUM_LIST)
    assert [e.detail["list"] for e in events] == ["short", "qualifying"]


def test_the_staff_list_runs_the_same_queries_for_more_members(
    client, community, django_assert_max_num_queries
):
    client.force_login(staff_user(community))
    for _i in range(2):
        _premium_member(community)
    client.get("/staff/residency/")
    with django_assert_max_num_queries(14) as small:
        client.get("/staff/residency/")
    for _i in range(6):
        _premium_member(community)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "8" in client.get("/staff/residency/").content.decode()


def test_admins_edit_the_rules_and_status_follows(client, community):
    member = _premium_member(community)
    client.force_login(staff_user(community))
    response = client.post("/staff/residency/rules/", {
        "required_activities": "4", "min_identity_level": "2", "max_municipalities": "3",
        "yearly_renewal": "on", "excludes_residents": "on", "registers_prefecture": "on",
        "source_note": "2027年の改定",
    })  # fmt: skip
    assert response.status_code == 302
    assert community.premium_rules.__class__.objects.get().required_activities == 4
    status = selectors.member_premium_status(member=member.__class__.objects.get(pk=member.pk))
    assert not status.qualifies and status.one_activity_short


def test_a_bad_rule_is_refused_next_to_the_field(client, community):
    client.force_login(staff_user(community))
    response = client.post("/staff/residency/rules/", {
        "required_activities": "3", "min_identity_level": "2", "max_municipalities": "0",
    })  # fmt: skip
    assert response.status_code == 200
    assert "1 以上にしてください。" in response.content.decode()
    assert community.premium_rules.__class__.objects.get().max_municipalities == 3


def test_admins_designate_and_undesignate_an_activity_per_fiscal_year(client, community):
    activity = ActivityFactory(community=community)
    fy = selectors.current_fiscal_year()
    client.force_login(staff_user(community))
    client.post(f"/staff/residency/activities/{activity.pk}/designate/",
                {"designated": "1", "year": str(fy + 1)})  # fmt: skip
    assert list(ActivityDesignation.objects.values_list("fiscal_year", flat=True)) == [fy + 1]
    page = client.get(f"/staff/residency/activities/?year={fy + 1}").content.decode()
    assert "指定済み" in page
    assert "指定済み" not in client.get("/staff/residency/activities/").content.decode()
    client.post(f"/staff/residency/activities/{activity.pk}/designate/",
                {"designated": "0", "year": str(fy + 1)})  # fmt: skip
    assert not ActivityDesignation.objects.exists()


def test_staff_record_an_in_person_check_which_is_audited(client, community):
    member = MemberFactory(community=community)
    admin = staff_user(community)
    client.force_login(admin)
    response = client.post(f"/staff/members/{member.pk}/identity/",
                           {"level": "2", "method": "運転免許証を窓口で確認"})  # fmt: skip
    assert response.status_code == 302
    check = IdentityCheck.objects.get()
    assert (check.member, check.checked_by, check.level) == (member, admin, 2)
    event = AuditEvent.objects.get(action=AuditEvent.Action.IDENTITY_CHECK)
    assert event.member == member and event.actor == admin
    page = client.get(f"/staff/members/{member.pk}/").content.decode()
    assert "職員による対面での確認" in page


def _export(client, fmt, **data):
    response = client.post(f"/staff/residency/export.{fmt}", data)
    return b"".join(response.streaming_content).decode("utf-8-sig"), response


def test_the_export_holds_consenting_members_in_schema_1(client, community):
    shared = _premium_member(community)
    services.declaration_save(member=shared, other_municipalities=1, share=True,
                              policy_version="1.0")  # fmt: skip
    kept = MemberFactory(community=community)
    services.declaration_save(member=kept, other_municipalities=0, share=False,
                              policy_version="1.0")  # fmt: skip
    MemberFactory(community=community)  # never answered
    client.force_login(staff_user(community))
    body, response = _export(client, "jsonl")
    assert response["Content-Type"].startswith("application/jsonl")
    records = [json.loads(line) for line in body.splitlines()]
    assert [r["member_number"] for r in records] == [shared.number]
    record = records[0]
    assert list(record) == FIELDS
    assert record["schema_version"] == SCHEMA_VERSION
    assert record["registration_type"] == "premium"
    assert record["identity_level"] == "in_person"
    assert record["other_municipalities"] == 1
    assert record["share_consent"] is True and record["share_consent_version"] == "1.0"
    event = AuditEvent.objects.get(action=AuditEvent.Action.REGISTRATION_EXPORT)
    assert event.row_count == 1 and event.detail["format"] == "jsonl"


def test_the_csv_export_can_include_everyone_and_reads_in_excel(client, community):
    member = MemberFactory(community=community, family_name="=HYPERLINK")
    client.force_login(staff_user(community))
    body, response = _export(client, "csv", all="1")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == FIELDS
    row = next(r for r in rows if r["member_number"] == member.number)
    assert row["family_name"] == "'=HYPERLINK"  # no formula for Excel to run
    assert row["share_consent"] == "" and row["registration_type"] == "basic"
    assert row["joined_on"] == timezone.localdate(member.joined_at).isoformat()


def test_organizer_staff_export_only_their_applicants(client, community):
    from enishi.communities.models import Organizer

    organizer = Organizer.objects.create(community=community, name="NPO")
    outsider = MemberFactory(community=community)
    services.declaration_save(member=outsider, other_municipalities=0, share=True,
                              policy_version="1.0")  # fmt: skip
    client.force_login(staff_user(community, role="organizer", organizer=organizer))
    body, _response = _export(client, "jsonl")
    assert body == ""
    assert timezone.now() - AuditEvent.objects.get().created_at < timedelta(minutes=1)


def test_the_data_download_holds_the_declaration_and_identity_checks(client, community):
    member = MemberFactory(community=community)
    services.declaration_save(member=member, other_municipalities=2, share=True,
                              policy_version="1.0")  # fmt: skip
    services.identity_check_record(member=member, level=IdentityLevel.IN_PERSON,
                                   method="運転免許証", by=None)  # fmt: skip
    client.force_login(member.user)
    data = json.loads(client.get("/me/data.json").content)
    assert data["other_premium_municipalities"] == 2
    assert data["identity_checks"][0]["method"] == "運転免許証"
    purposes = [c["purpose"] for c in data["consents"]]
    assert "ふるさと住民登録の情報の提供" in purposes
    assert "運転免許証" in client.get("/me/data.csv").content.decode("utf-8-sig")
