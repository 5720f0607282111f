import csv
import io
import json

import pytest
from allauth.account.models import EmailAddress
from django.core import signing

from enishi.members import services
from enishi.members.models import Member
from enishi.privacy.models import Consent
from tests.factories import MemberFactory

from .helpers import post


@pytest.fixture
def member(community, client):
    member = MemberFactory(nickname="いがぐり", skills_text="デザイン", address_line="神宮前1-1")
    services.member_set_newsletter(member=member, granted=False)
    client.force_login(member.user)
    return member


def test_my_pages_need_a_login(client, community):
    for url in ["/me/", "/me/card/", "/me/card.pdf", "/me/profile/", "/me/data.json",
                "/me/withdraw/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_my_page_shows_rank_points_number_and_links(client, member):
    page = client.get("/me/").content.decode()
    assert "<h1>マイページ</h1>" in page
    assert member.number in page
    assert "新入り" in page
    for link in ["/me/card/", "/me/card.pdf", "/me/profile/", "/me/mail/", "/me/data.json",
                 "/me/data.csv", "/me/withdraw/"]:  # fmt: skip
        assert f'href="{link}"' in page


def test_profile_edit_saves_and_bad_input_keeps_what_was_typed(client, member):
    form = client.get("/me/profile/").content.decode()
    assert 'value="いがぐり"' in form
    data = {
        "family_name": "伊賀", "given_name": "次郎", "family_name_kana": "いが",
        "given_name_kana": "じろう", "nickname": "", "birth_year": "1990", "birth_month": "12",
        "gender": "male", "postal_code": "5180873", "prefecture_code": "24", "city": "伊賀市",
        "address_line": "上野丸之内116", "ties": ["former_resident"], "uses": ["knowledge"],
        "skills_text": "", "channel": "",
    }  # fmt: skip
    before = member.given_name
    bad = post(client, "/me/profile/", {**data, "given_name_kana": "jiro"})
    assert bad.status_code == 200
    assert "カタカナで入力してください" in bad.content.decode()
    assert 'value="上野丸之内116"' in bad.content.decode()
    member.refresh_from_db()
    assert member.given_name == before  # nothing half-saved

    assert post(client, "/me/profile/", data).status_code == 302
    member.refresh_from_db()
    assert (member.given_name, member.given_name_kana) == ("次郎", "ジロウ")
    assert member.municipality_code == "24216"
    assert [t.tie for t in member.ties.all()] == ["former_resident"]
    assert member.number  # unchanged
    assert (member.availability, member.online_ok) == ("", False)  # not answered

    assert post(client, "/me/profile/", {**data, "availability": "weekends",
                                         "online_ok": "on"}).status_code == 302  # fmt: skip
    member.refresh_from_db()
    assert (member.availability, member.online_ok) == ("weekends", True)
    form = client.get("/me/profile/").content.decode()
    assert 'value="weekends" id="id_availability_2" checked' in form.replace('required ', '')


def test_mail_preferences_are_recorded_as_new_consents(client, member):
    assert post(client, "/me/mail/", {"newsletter": "on"}).status_code == 302
    assert post(client, "/me/mail/", {}).status_code == 302
    answers = list(
        Consent.objects.filter(member=member, purpose=Consent.Purpose.NEWSLETTER_EMAIL)
        .order_by("recorded_at", "pk")
        .values_list("granted", flat=True)
    )
    assert answers == [False, True, False]
    assert "メールマガジンは受け取っていません" in client.get("/me/").content.decode()


def test_download_my_data_as_json_and_csv(client, member):
    response = client.get("/me/data.json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["member_number"] == member.number
    assert data["email"] == member.user.email
    assert data["family_name"] == "伊賀"
    assert data["ties"] == ["出身"]
    assert data["consents"][0]["purpose"] == "メールマガジン（メール）"

    response = client.get("/me/data.csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    labelled = dict(rows)
    assert labelled["会員番号"] == member.number
    assert labelled["町名・番地・建物名"] == "神宮前1-1"
    assert labelled["伊賀とのつながり"] == "出身"
    assert labelled["入会日時"].endswith("+09:00")  # Japan time
    consent = labelled["同意の記録"]
    assert consent.startswith("メールマガジン（メール）: 不同意 (1.0) ") and "+09:00" in consent


def test_withdrawal_needs_confirmation(client, member):
    response = post(client, "/me/withdraw/", {})
    assert "退会するには確認のチェックが必要です" in response.content.decode()
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


def test_withdrawal_erases_personal_data_keeps_statistics_and_closes_the_login(client, member):
    user = member.user
    number = member.number
    response = post(client, "/me/withdraw/", {"confirm": "on"})
    assert "退会しました" in response.content.decode()
    member.refresh_from_db()
    user.refresh_from_db()
    assert member.status == Member.Status.WITHDRAWN and member.withdrawn_at
    erased = ["family_name", "given_name", "family_name_kana", "given_name_kana", "nickname"]
    erased += ["address_line", "phone", "skills_text", "postal_code", "city"]
    for field in erased:
        assert getattr(member, field) == "", field
    assert member.birth_year is None and member.birth_month is None
    # Kept for statistics: prefecture, birth decade, ties, consents; the number stays retired.
    assert member.prefecture_code == "13"
    assert member.birth_decade == 1980
    assert [t.tie for t in member.ties.all()] == ["birthplace"]
    assert member.number == number
    assert member.user is None
    assert user.email == "" and not user.is_active and not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not client.login(username=user.username, password="correct-horse-battery")
    assert client.get("/me/").status_code == 302
    assert not Consent.objects.filter(member=member).latest("recorded_at", "pk").granted


def test_withdrawal_ends_other_sessions_and_drops_queued_mail(client, member, settings):
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from enishi.core.tasks import send_email

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    send_email.enqueue(subject="s", body="code ABCD-EFGH", from_email="a@example.jp",
                       to=[member.user.email])  # fmt: skip
    send_email.enqueue(subject="s", body="b", from_email="a@example.jp", to=["other@example.jp"])
    phone = Client()
    phone.post(
        "/accounts/login/", {"login": member.user.email, "password": "correct-horse-battery"}
    )
    assert phone.get("/me/").status_code == 200
    post(client, "/me/withdraw/", {"confirm": "on"})
    assert phone.get("/me/").status_code == 302  # the other device is signed out
    # Other work the withdrawal queues (the search index drops the member) is not mail.
    mails = DBTaskResult.objects.filter(task_path="enishi.core.tasks.send_email")
    assert [t.args_kwargs["kwargs"]["to"] for t in mails] == [["other@example.jp"]]


def test_staff_who_withdraw_keep_their_login(client, member, community):
    from enishi.communities.models import StaffRole

    StaffRole.objects.create(user=member.user, community=community)
    page = client.get("/me/withdraw/").content.decode()
    assert "ログインはそのまま使えます" in page
    post(client, "/me/withdraw/", {"confirm": "on"})
    member.user.refresh_from_db()
    assert member.user.is_active and member.user.email


def test_card_shows_the_member_and_an_opaque_qr_token(client, member):
    page = client.get("/me/card/").content.decode()
    assert member.number in page
    assert "いがぐり" in page
    assert "<svg" in page
    token = services.card_token_issue(member=member)
    payload = signing.loads(token, salt=services.CARD_TOKEN_SALT)
    assert set(payload) == {"k", "p"}  # nothing personal in the token


def test_card_qr_refresh_returns_only_the_fragment(client, member):
    response = client.get("/me/card/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="member-card__qr"')
    assert "<html" not in body


def test_card_token_check(client, member, settings):
    token = services.card_token_issue(member=member)
    response = client.get(f"/card/{token}/")
    assert response.status_code == 200
    assert "有効な伊賀衆の会員証です" in response.content.decode()

    tampered = client.get(f"/card/{token[:-2]}xx/")
    assert tampered.status_code == 404
    assert "読み取れませんでした" in tampered.content.decode()

    printed = services.card_token_issue(member=member, printed=True)
    settings.ENISHI_CARD_SCREEN_TOKEN_MAX_AGE = -1
    expired = client.get(f"/card/{token}/")
    assert expired.status_code == 410
    assert "有効期限が切れています" in expired.content.decode()
    assert client.get(f"/card/{printed}/").status_code == 200  # a printed card lives longer

    services.member_withdraw(member=member)
    gone = client.get(f"/card/{printed}/")
    assert gone.status_code == 404
    assert "現在使えません" in gone.content.decode()


def test_card_pdf_is_card_sized_with_the_japanese_font_embedded(client, member):
    response = client.get("/me/card.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    assert pdf.startswith(b"%PDF")
    assert b"/FontFile2" in pdf  # an embedded TrueType font
    assert b"BIZUDPGothic" in pdf
    assert b"/MediaBox [ 0 0 242.6" in pdf  # 85.6 mm wide


def test_pending_member_has_no_card_yet(client, community):
    member = MemberFactory(status=Member.Status.PENDING, number=None)
    client.force_login(member.user)
    assert "メールアドレスの確認後に発行" in client.get("/me/card/").content.decode()
    assert client.get("/me/card.pdf").status_code == 404
