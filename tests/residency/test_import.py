"""The registrations import (docs/registrations-schema.md, version 1): members moving in from
another system's roster, or from enishi's own export."""

import csv
import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from enishi.communities.models import Community, Organizer, StaffRole
from enishi.core import imports
from enishi.core.models import ImportRecord
from enishi.ledger.models import Engagement, Kind
from enishi.members.models import Member
from enishi.members.services import member_activate
from enishi.privacy.models import Consent
from enishi.residency import exports, selectors, services
from enishi.residency.importer import COMPUTED, KIND, RegistrationImporter
from tests.factories import CommunityFactory, MemberFactory, UserFactory, staff_user
from tests.members.helpers import post

pytestmark = pytest.mark.django_db

HEADER = exports.FIELDS


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.ENISHI_IMPORT_DIR = tmp_path / "imports"
    (tmp_path / "imports").mkdir()


def roster_row(number="K-0001", **changes) -> dict:
    row = {
        "schema_version": "1", "member_number": number, "family_name": "伊賀",
        "given_name": "花子", "family_name_kana": "いが", "given_name_kana": "ﾊﾅｺ",
        "email": f"{number.lower()}@example.jp", "birth_year": "1980", "birth_month": "4",
        "postal_code": "518-0873", "prefecture_code": "24", "municipality_code": "",
        "city": "伊賀市", "address_line": "上野丸之内116", "joined_on": "2024-05-01",
        "registration_type": "basic", "fiscal_year": "2026", "designated_activities": "0",
        "identity_level": "email", "other_municipalities": "0", "premium_valid_until": "",
        "share_consent": "", "share_consent_version": "", "share_consent_at": "",
    }  # fmt: skip
    return row | changes


def csv_text(rows: list[dict], header=HEADER) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def run(community, text: str, name="roster.csv", *, mode=ImportRecord.Mode.GOOD_ROWS,
        mapping=None) -> ImportRecord:  # fmt: skip
    """Store, map (the suggested mapping unless given) and import, as the staff page does."""
    from django.conf import settings

    path = Path(settings.ENISHI_IMPORT_DIR) / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    record = imports.record_create(community=community, kind=KIND, path=path, file_name=name,
                                   by=None, importer=RegistrationImporter())  # fmt: skip
    record = imports.mapping_save(record=record, mapping=mapping or record.mapping, name="",
                                  mode=mode)  # fmt: skip
    return imports.run_import(record, RegistrationImporter())


def test_every_schema_column_maps_itself_or_is_computed():
    mapping = RegistrationImporter().suggest_mapping(HEADER)
    assert set(mapping) == {f.name for f in RegistrationImporter.fields}
    assert all(mapping[name] == name for name in mapping)
    assert set(HEADER) == set(mapping) | set(COMPUTED)


def test_a_roster_makes_active_members_who_keep_their_numbers(community):
    record = run(community, csv_text([
        roster_row("K-0001", share_consent="true", share_consent_version="2.1",
                   share_consent_at="2025-06-01T10:00:00+09:00"),
        roster_row("K-0002", email="Hanako@Example.JP", joined_on="", birth_year=""),
    ]))  # fmt: skip
    assert (record.status, record.created_count, record.error_count) == ("done", 2, 0)
    first = Member.objects.get(community=community, number="K-0001")
    assert first.status == Member.Status.ACTIVE
    assert (first.family_name_kana, first.given_name_kana) == ("イガ", "ハナコ")
    assert (first.postal_code, first.prefecture_code, first.municipality_code) == (
        "5180873", "24", "24216")  # fmt: skip
    assert timezone.localdate(first.joined_at) == date(2024, 5, 1)
    assert not first.user.has_usable_password()
    assert EmailAddress.objects.get(user=first.user).verified is False
    consent = Consent.objects.get(member=first)  # registry_share only: no newsletter invented
    assert (consent.purpose, consent.granted, consent.version, consent.source) == (
        Consent.Purpose.REGISTRY_SHARE, True, "2.1", "import")  # fmt: skip
    assert consent.recorded_at == datetime.fromisoformat("2025-06-01T10:00:00+09:00")
    assert Engagement.objects.filter(member=first, kind=Kind.REGISTRATION).count() == 1
    second = Member.objects.get(community=community, number="K-0002")
    assert second.user.email == "hanako@example.jp" and second.birth_year is None
    assert timezone.localdate(second.joined_at) == timezone.localdate()
    assert not Consent.objects.filter(member=second).exists()
    assert not Path(record.stored_path).exists()  # personal data kept no longer


def test_numbers_issued_later_never_collide_with_imported_ones(community):
    run(community, csv_text([roster_row("IGA-000500"), roster_row("IGA-12")]))
    community.refresh_from_db()
    assert community.next_member_sequence == 501
    joining = MemberFactory(community=community, status=Member.Status.PENDING, number=None)
    assert member_activate(member=joining).number == "IGA-000501"


def _export(community, fmt: str) -> str:
    members = exports.registration_members(members=Member.objects.filter(community=community),
                                           consented_only=False)  # fmt: skip
    _type, body = exports.FORMATS[fmt](members=members, rules=selectors.rules_for(community))
    return "".join(body)


COMPARED = ("number", "family_name", "given_name", "family_name_kana", "given_name_kana",
            "birth_year", "birth_month", "postal_code", "prefecture_code", "municipality_code",
            "city", "address_line")  # fmt: skip


def _snapshot(community) -> dict:
    found = {}
    for m in Member.objects.filter(community=community).select_related("user"):
        share = m.consents.filter(purpose=Consent.Purpose.REGISTRY_SHARE).first()
        found[m.number] = (
            *(getattr(m, f) for f in COMPARED), m.user.email.lower(),
            timezone.localdate(m.joined_at),
            (share.granted, share.version) if share else None,
        )  # fmt: skip
    return found


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_imports_into_another_community_as_it_was(community, fmt):
    sharing = MemberFactory(community=community, family_name="=HYPERLINK", city="名張市",
                            address_line="一番町1")  # fmt: skip
    services.declaration_save(member=sharing, other_municipalities=1, share=True,
                              policy_version="1.0")  # fmt: skip
    MemberFactory(community=community, postal_code="5180873", prefecture_code="24",
                  municipality_code="24216", city="伊賀市")  # fmt: skip
    text = _export(community, fmt)
    other = CommunityFactory()
    record = run(other, text, name=f"registrations.{fmt}")
    assert (record.status, record.created_count, record.error_count) == ("done", 2, 0), (
        record.errors)  # fmt: skip
    mine, theirs = _snapshot(community), _snapshot(other)
    assert {k: (v, mine[k]) for k, v in theirs.items() if v != mine[k]} == {}
    # The same people, one login each: a login may be a member of several communities.
    assert Member.objects.get(community=other, number=sharing.number).user == sharing.user
    again = run(other, text, name=f"again.{fmt}")
    assert (again.created_count, again.updated_count, again.duplicate_count) == (0, 0, 2)
    assert Consent.objects.filter(member__community=other).count() == 1


def test_a_known_number_is_updated_and_missing_columns_are_left_alone(community):
    run(community, csv_text([roster_row("K-0001"), roster_row("K-0002")]))
    record = run(community, csv_text([roster_row("K-0001", city="名張市", address_line=""),
                                      roster_row("K-0002")]))  # fmt: skip
    assert (record.created_count, record.updated_count, record.duplicate_count) == (0, 1, 1)
    member = Member.objects.get(number="K-0001")
    assert (member.city, member.address_line) == ("名張市", "")
    header = ["member_number", "family_name", "given_name", "email", "city"]
    run(community, csv_text([roster_row("K-0001", city="津市")], header=header))
    member.refresh_from_db()
    assert (member.city, member.postal_code, member.birth_year) == ("津市", "5180873", 1980)


def test_the_same_number_twice_in_a_file_keeps_the_later_row(community):
    record = run(community, csv_text([
        roster_row("K-0001", city="名張市"), roster_row("K-0001", city="名張市"),
        roster_row("K-0001", city="伊賀市"),
    ]))  # fmt: skip
    assert (record.created_count, record.updated_count, record.duplicate_count) == (1, 1, 1)
    assert Member.objects.get(number="K-0001").city == "伊賀市"


def _bad_roster(community):
    MemberFactory(community=community, number="IGA-000001", user__email="taken@example.jp")
    return csv_text([
        roster_row("K-0001"),                                   # line 2: good
        roster_row(""),                                         # 3
        roster_row("K-0003", email=""),                         # 4
        roster_row("K-0004", family_name=""),                   # 5
        roster_row("K-0005", postal_code="51808"),              # 6
        roster_row("K-0006", prefecture_code="48"),             # 7
        roster_row("K-0007", joined_on="2026-02-30"),           # 8
        roster_row("K-0008", schema_version="2"),               # 9
        roster_row("K-0009", email="TAKEN@example.jp"),         # 10
        roster_row("K-0010", email="k-0001@example.jp"),        # 11: as line 2
        roster_row("K-0011", birth_month="13"),                 # 12
        roster_row("K-0012", share_consent="maybe"),            # 13
        roster_row("IGA-000001", email="someone@example.jp"),   # 14: not the member's login
    ])  # fmt: skip


EXPECTED_ERRORS = [
    [3, "「会員番号」が空です"],
    [4, "「メールアドレス」が空です"],
    [5, "「姓」が空です"],
    [6, "郵便番号: 郵便番号は7桁の数字です（51808）"],
    [7, "都道府県コード: 都道府県コード（01〜47）として読めません（48）"],
    [8, "入会日: 存在しない日付です（2026-02-30）"],
    [9, "形式の版: この版の形式は読めません（2）。読める版は 1 です"],
    [10, "メールアドレス taken@example.jp は別の会員（IGA-000001）が使っています"],
    [11, "メールアドレス k-0001@example.jp は 2 行目（会員番号 K-0001）にもあります"],
    [12, "生まれ月: 1 から 12 までの数字です（13）"],
    [13, "情報の提供への同意: true か false で書いてください（maybe）"],
    [14, "会員番号 IGA-000001 のメールアドレスが登録と違います"
         "（ログインに使うため、変更は会員本人が行います）"],
]  # fmt: skip


def test_every_bad_row_is_reported_with_its_line_and_the_good_ones_are_in(community):
    record = run(community, _bad_roster(community))
    assert record.errors == EXPECTED_ERRORS
    assert (record.created_count, record.error_count, record.total_rows) == (1, 12, 13)
    assert set(Member.objects.values_list("number", flat=True)) == {"IGA-000001", "K-0001"}


def test_all_or_nothing_writes_nothing_when_a_row_is_refused(community):
    record = run(community, _bad_roster(community), mode=ImportRecord.Mode.ALL_OR_NOTHING)
    assert record.status == ImportRecord.Status.REJECTED
    assert record.errors == EXPECTED_ERRORS
    assert list(Member.objects.values_list("number", flat=True)) == ["IGA-000001"]
    # Checks against the database count too: one refused row is enough.
    record = run(community, csv_text([roster_row("K-0001", email="taken@example.jp")]),
                 mode=ImportRecord.Mode.ALL_OR_NOTHING)  # fmt: skip
    assert record.status == ImportRecord.Status.REJECTED and record.error_count == 1


def test_a_withdrawn_number_or_a_closed_login_is_refused(community):
    from enishi.members.services import member_withdraw

    gone = member_withdraw(member=MemberFactory(community=community, number="IGA-000002"))
    closed = UserFactory(email="closed@example.jp", is_active=False)
    record = run(community, csv_text([roster_row("IGA-000002", email="back@example.jp"),
                                      roster_row("K-0001", email=closed.email)]))  # fmt: skip
    assert record.errors == [
        [2, "会員番号 IGA-000002 の会員は退会しています"],
        [3, "メールアドレス closed@example.jp のログインは閉じられています"],
    ]
    assert Member.objects.get(pk=gone.pk).status == Member.Status.WITHDRAWN


def test_json_lines_keys_are_headers_and_bad_lines_are_row_errors(community):
    good = {k: v for k, v in roster_row("K-0001").items() if k != "municipality_code"}
    text = "\n".join([
        json.dumps(good, ensure_ascii=False),
        "{not json",
        "[1, 2]",
        "",
        json.dumps({**good, "member_number": "K-0002", "email": "b@example.jp",
                    "postal_code": "12"}, ensure_ascii=False),
        json.dumps({"member_number": "K-0003", "family_name": "伊賀", "given_name": "次郎",
                    "email": "c@example.jp", "birth_year": 1990, "share_consent": False}),
    ]) + "\n"  # fmt: skip
    record = run(community, text, name="roster.jsonl")
    assert record.file_format == "jsonl"
    assert record.headers[:3] == ["schema_version", "member_number", "family_name"]
    assert [line for line, _reason in record.errors] == [2, 3, 5]
    assert record.errors[0][1].startswith("JSON として読めません")
    assert record.errors[1][1] == "JSON のオブジェクト（{…}）ではありません"
    assert record.errors[2][1] == "郵便番号: 郵便番号は7桁の数字です（12）"
    third = Member.objects.get(number="K-0003")
    assert third.birth_year == 1990
    assert third.consents.get().granted is False


def test_an_imported_member_claims_the_account_with_a_password_reset(client, community):
    from enishi.residency.selectors import member_premium_status

    run(community, csv_text([roster_row("K-0001", email="hanako@example.jp")]))
    hanako = Member.objects.get(number="K-0001")
    # Until she claims the account, her address is not verified (identity: none).
    assert member_premium_status(member=hanako).facts.identity_level == 0
    assert client.post("/accounts/login/", {"login": "hanako@example.jp",
                                            "password": "x"}).status_code == 200  # fmt: skip
    mail.outbox.clear()
    post(client, "/accounts/password/reset/", {"email": "hanako@example.jp"})
    message = mail.outbox[-1]
    assert message.to == ["hanako@example.jp"]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", message.body)[1]
    form_url = client.get(link)["Location"]
    response = post(client, form_url, {"password1": "my-new-passphrase-8",
                                       "password2": "my-new-passphrase-8"})  # fmt: skip
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="hanako@example.jp").verified
    assert member_premium_status(member=hanako).facts.identity_level == 1  # e-mail verified now
    client.logout()
    response = post(client, "/accounts/login/", {"login": "hanako@example.jp",
                                                 "password": "my-new-passphrase-8"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get("/me/")
    assert page.status_code == 200 and "K-0001" in page.content.decode()


def test_the_command_imports_a_file_the_same_way(community, tmp_path, capsys):
    source = tmp_path / "roster.jsonl"
    source.write_text(json.dumps(roster_row("K-0001"), ensure_ascii=False) + "\n")
    out = io.StringIO()
    call_command("import_registrations", str(source), stdout=out)
    assert "new 1, updated 0, duplicates 0, errors 0" in out.getvalue()
    assert Member.objects.filter(number="K-0001", status="active").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text([roster_row("K-0002", postal_code="x")]))
    with pytest.raises(CommandError):
        call_command("import_registrations", str(bad), "--all-or-nothing", stdout=io.StringIO())
    assert not Member.objects.filter(number="K-0002").exists()


@pytest.fixture
def admin(client, community):
    user = staff_user(community, email="admin@example.jp")
    client.force_login(user)
    return user


def test_staff_upload_map_and_import_a_roster(client, community, admin):
    assert "/staff/residency/import/" in client.get("/staff/residency/").content.decode()
    data = csv_text([roster_row("K-0001")]).encode("cp932")
    response = post(client, "/staff/residency/import/",
                    {"file": SimpleUploadedFile("名簿.csv", data)})  # fmt: skip
    assert response.status_code == 302
    record = ImportRecord.objects.get(kind=KIND)
    page = client.get(response["Location"]).content.decode()
    assert "CSV · Shift_JIS (cp932)" in page and "上野丸之内116" in page
    assert re.search(r'<option value="member_number" selected>', page)
    data = {f"col_{k}": v for k, v in record.mapping.items()}
    response = post(client, f"/staff/residency/imports/{record.pk}/",
                    data | {"name": "旧名簿", "mode": "good_rows"})  # fmt: skip
    assert response.status_code == 302
    result = client.get(f"/staff/residency/imports/{record.pk}/").content.decode()
    assert "完了" in result and 'value="100"' in result
    assert Member.objects.filter(number="K-0001", status="active").exists()
    assert "名簿.csv" in client.get("/staff/residency/imports/").content.decode()
    progress = client.get(f"/staff/residency/imports/{record.pk}/progress/").content.decode()
    assert 'id="import-progress"' in progress
    # A donations import is not on the registrations pages, nor the other way round.
    assert client.get(f"/staff/donations/imports/{record.pk}/").status_code == 404


def test_a_mapping_without_required_columns_stays_with_its_reasons(client, community, admin):
    data = csv_text([roster_row("K-0001")], header=["member_number", "city"]).encode()
    post(client, "/staff/residency/import/", {"file": SimpleUploadedFile("a.csv", data)})
    record = ImportRecord.objects.get(kind=KIND)
    response = post(client, f"/staff/residency/imports/{record.pk}/",
                    {"col_member_number": "member_number", "mode": "good_rows"})  # fmt: skip
    assert response.status_code == 400
    assert "「メールアドレス」の列を選んでください。" in response.content.decode()


def test_only_admins_reach_the_import(client, community):
    organizer = Organizer.objects.create(community=community, name="NPO 伊賀の里")
    for user in (
        staff_user(community, role=StaffRole.Role.VIEWER),
        staff_user(community, role=StaffRole.Role.ORGANIZER, organizer=organizer),
    ):
        client.force_login(user)
        assert client.get("/staff/residency/import/").status_code == 403
        assert client.get("/staff/residency/imports/").status_code == 403
    assert Community.objects.count() >= 1


def test_imported_members_get_no_marketing_mail_until_they_opt_in(community):
    from enishi.mailings.selectors import reachable_members
    from enishi.members.services import member_set_newsletter

    run(community, csv_text([roster_row("K-0001", share_consent="true")]))
    member = Member.objects.get(number="K-0001")
    assert member not in reachable_members(community=community)
    member_set_newsletter(member=member, granted=True)
    assert member in reachable_members(community=community)


def test_a_stopped_import_resumes_after_its_last_batch(community):
    from django.conf import settings

    path = Path(settings.ENISHI_IMPORT_DIR) / "big.csv"
    path.write_text(csv_text([roster_row(f"K-{n:04d}") for n in range(1, 6)]))
    importer = RegistrationImporter()
    importer.batch_size = 2
    record = imports.record_create(community=community, kind=KIND, path=path,
                                   file_name="big.csv", by=None, importer=importer)  # fmt: skip
    record = imports.mapping_save(record=record, mapping=record.mapping, name="",
                                  mode=ImportRecord.Mode.GOOD_ROWS)  # fmt: skip
    imports.run_import(record, importer, stop_after_batches=1)
    assert Member.objects.filter(community=community).count() == 2
    record = imports.run_import(record, importer)
    assert (record.status, record.created_count, record.duplicate_count) == ("done", 5, 0)
    assert Member.objects.filter(community=community).count() == 5


def test_the_import_page_takes_a_roster_larger_than_other_pages_do(client, community, admin):
    rows = [roster_row(f"K-{n:05d}") for n in range(1, 5001)]
    data = csv_text(rows).encode()
    assert len(data) > 600 * 1024
    response = post(client, "/staff/residency/import/",
                    {"file": SimpleUploadedFile("big.csv", data)})  # fmt: skip
    assert response.status_code == 302
    assert ImportRecord.objects.get(kind=KIND).preview[0][1] == "K-00001"


def test_an_address_a_member_added_to_their_login_is_theirs_too(community):
    user = UserFactory(email="main@example.jp")
    EmailAddress.objects.create(user=user, email="second@example.jp", verified=True)
    MemberFactory(community=community, user=user, number="IGA-000003")
    record = run(community, csv_text([roster_row("K-0001", email="Second@example.jp")]))
    assert record.errors == [
        [2, "メールアドレス second@example.jp は別の会員（IGA-000003）が使っています"]
    ]
    # In another community the same login becomes the member: one account, as when joining.
    other = CommunityFactory()
    run(other, csv_text([roster_row("K-0001", email="second@example.jp")]))
    assert Member.objects.get(community=other).user == user
