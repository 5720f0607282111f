"""The staff pages, driven with the test client."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enishi.communities.models import Organizer, StaffRole
from enishi.core.models import ImportRecord
from enishi.donations.models import Contact, Donation, MatchReview
from enishi.privacy.models import AuditEvent
from tests.factories import MemberFactory, staff_user
from tests.members.helpers import post

from .conftest import FIXTURES, import_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, community):
    user = staff_user(community, email="furusato@example.jp")
    client.force_login(user)
    return user


def upload(client, name: str):
    data = (FIXTURES / name).read_bytes()
    return post(client, "/staff/donations/import/",
                {"file": SimpleUploadedFile(name, data)})  # fmt: skip


def test_only_admins_reach_the_donation_pages(client, community):
    organizer = Organizer.objects.create(community=community, name="NPO 伊賀の里")
    for user in (
        staff_user(community, role=StaffRole.Role.VIEWER),
        staff_user(community, role=StaffRole.Role.ORGANIZER, organizer=organizer),
    ):
        client.force_login(user)
        for url in ("/staff/donations/", "/staff/donations/import/", "/staff/contacts/"):
            assert client.get(url).status_code == 403, (user.email, url)


def test_upload_map_and_import_a_portal_file(client, community, staff):
    response = upload(client, "portal_sjis.csv")
    assert response.status_code == 302
    record = ImportRecord.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "CSV · Shift_JIS (cp932)" in page
    assert '<th scope="col">注文番号</th>' in page and "髙橋 一郎" in page  # headers, rows
    assert re.search(r'<option value="注文番号" selected>', page)  # suggested
    data = {f"col_{k}": v for k, v in record.mapping.items()}
    data |= {"col_gift": "お礼の品", "name": "チョイス", "mode": "good_rows"}
    response = post(client, f"/staff/donations/imports/{record.pk}/", data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE
    result = client.get(f"/staff/donations/imports/{record.pk}/").content.decode()
    assert "完了" in result and 'value="100"' in result
    assert Donation.objects.get(receipt_number="R-100").gift == "伊賀米 5kg"
    # The same columns next time: the saved mapping is chosen.
    response = upload(client, "portal_sjis.csv")
    page = client.get(response["Location"]).content.decode()
    assert "保存した対応付け「チョイス」" in page
    assert "portal_sjis.csv" in client.get("/staff/donations/imports/").content.decode()


def test_mapping_errors_stay_next_to_the_fields(client, community, staff):
    upload(client, "missing_columns.csv")
    record = ImportRecord.objects.get()
    response = post(client, f"/staff/donations/imports/{record.pk}/",
                    {"col_name": "氏名", "col_address": "住所", "mode": "good_rows"})  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "「寄附日」の列を選んでください。" in page
    assert "「寄附金額」の列を選んでください。" in page
    assert re.search(r'<option value="住所" selected>', page)  # kept what was chosen
    response = post(client, f"/staff/donations/imports/{record.pk}/",
                    {"col_name": "氏名", "col_address": "氏名", "col_donated_on": "受付番号",
                     "col_amount": "住所", "mode": "good_rows"})  # fmt: skip
    assert "同じ列を二つの項目に選んでいます。" in response.content.decode()
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.UPLOADED and not Donation.objects.exists()


def test_an_unreadable_file_is_refused_with_its_reason(client, community, staff):
    response = upload(client, "not_csv.png")
    assert response.status_code == 400
    assert "CSV または Excel（.xlsx）のファイルではありません。" in response.content.decode()
    assert not ImportRecord.objects.exists()


def test_errors_are_listed_with_their_lines(client, community, staff):
    record = import_file(community, "bad_amounts.csv")
    page = client.get(f"/staff/donations/imports/{record.pk}/").content.decode()
    assert re.search(r"<td>2</td><td>寄附金額: 金額がマイナスです（-5000）</td>", page)
    assert re.search(r"<td>3</td><td>寄附金額: 金額が数字ではありません（一万円）</td>", page)


def test_totals_by_month_portal_and_linked(client, community, staff):
    MemberFactory(user__email="taro@example.jp")
    import_file(community, "generic_utf8_bom.csv")
    page = client.get("/staff/donations/?year=2025").content.decode()
    totals = page[page.index('id="totals"') : page.index('id="by-month"')]
    assert re.search(r"すべて</th><td>3</td><td>¥52,000<", totals)
    assert re.search(r"会員に紐付け済み</th><td>1</td><td>¥10,000<", totals)
    assert re.search(r"未紐付け（連絡先・照合待ち）</th><td>2</td><td>¥42,000<", totals)
    assert re.search(r"<td>2026-01</td><td>3</td><td>¥52,000</td>", page)
    assert re.search(r"<td>ふるさとチョイス</td><td>2</td><td>¥22,000</td>", page)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DONATION_LIST).exists()


def test_export_is_audited(client, community, staff):
    import_file(community, "generic_utf8_bom.csv")
    response = post(client, "/staff/donations/export.csv?year=2025")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("寄附日,金額（円）")
    assert "伊賀 太郎" in body
    event = AuditEvent.objects.get(action=AuditEvent.Action.DONATION_EXPORT)
    assert event.row_count == 3 and event.detail == {"year": 2025}


def test_contact_search_stays_out_of_the_url_and_detail_is_audited(client, community, staff):
    import_file(community, "generic_utf8_bom.csv")
    response = post(client, "/staff/contacts/", {"q": "はっとり"})
    assert response["Location"] == "/staff/contacts/"
    page = client.get("/staff/contacts/").content.decode()
    assert "服部 半蔵" in page and "上野 花子" not in page
    contact = Contact.objects.get(name="服部 半蔵")
    assert (
        "大阪府大阪市北区梅田1-1-1" in client.get(f"/staff/contacts/{contact.pk}/").content.decode()
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONTACT_VIEW).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONTACT_LIST).count() == 1


def test_review_queue_confirm(client, community, staff):
    other = MemberFactory(family_name="伊賀", given_name="太朗", family_name_kana="イガ",
                          given_name_kana="タロウ", postal_code="5180873")  # fmt: skip
    import_file(community, "generic_utf8_bom.csv")
    review = MatchReview.objects.get()
    page = client.get("/staff/donations/review/").content.decode()
    assert "伊賀 太郎" in page and other.number in page and "一部だけ同じ" in page
    post(client, f"/staff/donations/review/{review.pk}/", {"choice": f"member:{other.pk}"})
    assert Donation.objects.get(receipt_number="A-0001").member == other
    assert "照合待ちの寄附はありません。" in client.get("/staff/donations/review/").content.decode()


def _data(community, n: int):
    for i in range(n):
        member = MemberFactory(family_name="同姓", given_name=f"名{i}", family_name_kana="ドウセイ",
                               given_name_kana="メイ", postal_code="5180873")  # fmt: skip
        contact = Contact.objects.create(community=community, name=f"連絡 {i}", source="donation")
        donation = Donation.objects.create(
            community=community, identity=f"r:x:{n}-{i}", content_hash="h", donated_on="2026-01-05",
            amount=1000 + i, name=f"同姓 名{i}", portal=f"P{i % 3}", match="review",
        )  # fmt: skip
        MatchReview.objects.create(
            community=community, donation=donation,
            candidates=[{"kind": "member", "id": member.pk, "reason": "weak"},
                        {"kind": "contact", "id": contact.pk, "reason": "weak"}],
        )  # fmt: skip


@pytest.mark.parametrize("url", ["/staff/donations/?year=2025", "/staff/contacts/",
                                 "/staff/donations/review/", "/staff/contacts/invite/",
                                 "/staff/donations/imports/"])  # fmt: skip
def test_query_counts_do_not_grow_with_the_data(client, community, staff, url,
                                                django_assert_max_num_queries):  # fmt: skip
    _data(community, 3)
    client.get(url)  # session and caches warm
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    _data(community, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_staff_add_a_contact_met_at_a_fair_and_may_invite_them(client, community):
    from enishi.donations.models import Contact
    from tests.factories import MemberFactory, UserFactory
    from tests.members.helpers import post

    MemberFactory(community=community, user=UserFactory(email="member@example.jp"))
    client.force_login(staff_user(community))
    page = client.get("/staff/contacts/new/").content.decode()
    assert "フェア・相談会" in page and 'value="donation"' not in page
    data = {"name": "伊賀　次郎", "name_kana": "いが じろう", "email": "Jiro@Example.jp",
            "phone": "090-1234-5678", "postal_code": "１００－０００１",
            "address": "東京都千代田区", "source": "fair", "info_consent": "yes"}  # fmt: skip
    # Bad input: the page says what is wrong and keeps what was typed.
    bad = client.post("/staff/contacts/new/", {**data, "postal_code": "12", "email": "x"})
    text = bad.content.decode()
    assert bad.status_code == 400 and "郵便番号は7桁の数字です" in text
    assert "メールアドレスとして読めません" in text and 'value="伊賀　次郎"' in text
    taken = client.post("/staff/contacts/new/", {**data, "email": "member@example.jp"})
    assert "すでに会員です" in taken.content.decode()
    response = post(client, "/staff/contacts/new/", data)
    jiro = Contact.objects.get(email="jiro@example.jp")
    assert response.url == f"/staff/contacts/{jiro.pk}/"
    assert (jiro.name_kana, jiro.postal_code, jiro.phone) == ("イガ ジロウ", "1000001",
                                                              "09012345678")  # fmt: skip
    assert jiro.source == "fair" and jiro.consent_recorded_at is not None and jiro.kana_key
    again = client.post("/staff/contacts/new/", data)
    assert "連絡先はすでにあります" in again.content.decode()
    assert "招待メールを送れる</th><td>1<" in client.get("/staff/contacts/invite/").content.decode()


def test_an_import_stopped_by_an_unexpected_error_says_so_and_resumes_from_there(
    client, community, monkeypatch
):
    """The database goes away mid-file: the committed batches stay, the page says where it
    stopped, and 続きから取り込む finishes the file without duplicates."""
    from enishi.core import imports
    from enishi.donations.importer import DonationImporter

    from .conftest import start

    client.force_login(staff_user(community))
    record = start(community, "generic_utf8_bom.csv")
    imports.mapping_save(record=record, mapping=record.mapping, name="", mode="good_rows")
    calls = []
    original = DonationImporter.apply_batch

    def flaky(self, record, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise ConnectionError("server closed the connection")
        return original(self, record, batch)

    monkeypatch.setattr(DonationImporter, "batch_size", 1)
    monkeypatch.setattr(DonationImporter, "apply_batch", flaky)
    with pytest.raises(ConnectionError):
        imports.run_import(record, DonationImporter())
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.STOPPED and Donation.objects.count() == 1
    page = client.get(f"/staff/donations/imports/{record.pk}/").content.decode()
    assert "予期しないエラーで止まりました。2 行目までは取り込み済みです。" in page
    assert "続きから取り込む" in page
    response = post(client, f"/staff/donations/imports/{record.pk}/resume/")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE and record.created_count == 3
    assert Donation.objects.count() == 3
    # A finished import cannot be "resumed" again.
    post(client, f"/staff/donations/imports/{record.pk}/resume/")
    assert Donation.objects.count() == 3
