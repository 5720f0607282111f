import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from enishi.members.models import Member
from enishi.privacy.models import Consent
from tests.factories import MemberFactory

from .helpers import VALID_JOIN, confirmation_link, join, post, register_and_verify


@pytest.fixture(autouse=True)
def _community(community):
    return community


def test_landing_page_invites_to_join_and_counts_members(client):
    MemberFactory.create_batch(3)
    MemberFactory(status=Member.Status.PENDING, number=None)
    page = client.get("/").content.decode()
    assert "伊賀衆に登録する" in page
    assert 'href="/join/"' in page
    assert re.search(r"いま<strong>3</strong>人の伊賀衆", page)
    uses = ["知見の提供", "継続的な来訪", "ふるさと納税", "地域活動への参加", "移住体験への参加"]
    for use in [*uses, "魅力発信"]:
        assert use in page


def test_registration_is_pending_until_the_email_is_verified(client):
    response = join(client)
    assert response.status_code == 302
    member = Member.objects.get(user__email="hanako@example.jp")
    assert member.status == Member.Status.PENDING
    assert member.number is None
    assert member.family_name_kana == "イガ"  # hiragana converted
    assert member.given_name_kana == "ハナコ"  # half-width kana converted
    assert member.postal_code == "1500001"  # 全角 digits and hyphen accepted
    assert member.municipality_code == "13113"  # 渋谷区, from the postal code
    assert member.birth_decade == 1980
    assert sorted(t.tie for t in member.ties.all()) == ["birthplace", "family"]
    assert [u.use for u in member.uses.all()] == ["local_activity"]
    consents = {c.purpose: c for c in member.consents.all()}
    assert consents[Consent.Purpose.TERMS].granted and consents[Consent.Purpose.TERMS].version
    assert consents[Consent.Purpose.PRIVACY_POLICY].granted
    assert consents[Consent.Purpose.NEWSLETTER_EMAIL].granted is False  # default off
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("[伊賀衆]")
    assert "伊賀衆へのご登録ありがとうございます" in mail.outbox[0].body
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    # Not verified yet: the member page is out of reach.
    assert client.get("/me/").status_code == 302


def test_verification_gives_a_member_number_and_lands_on_my_page(client, community):
    response = register_and_verify(client)
    assert response.status_code == 302 and response["Location"] == "/me/"
    member = Member.objects.get(user__email="hanako@example.jp")
    assert member.status == Member.Status.ACTIVE
    assert re.fullmatch(r"IGA-\d{6}", member.number)
    assert member.joined_at is not None
    page = client.get("/me/").content.decode()
    assert member.number in page
    assert "新入り" in page  # the first rank


def test_member_numbers_follow_each_other_and_are_never_reused(client, community):
    register_and_verify(client, email="a@example.jp")
    first = Member.objects.get(user__email="a@example.jp")
    post(client, "/me/withdraw/", {"confirm": "on"})
    client.logout()
    register_and_verify(client, email="b@example.jp")
    second = Member.objects.get(user__email="b@example.jp")
    first.refresh_from_db()
    assert first.number is not None and first.status == Member.Status.WITHDRAWN
    prefix, n1 = first.number.split("-")
    _, n2 = second.number.split("-")
    assert prefix == "IGA" and int(n2) == int(n1) + 1


def test_newsletter_opt_in_is_recorded(client):
    join(client, newsletter="on")
    consent = Consent.objects.get(purpose=Consent.Purpose.NEWSLETTER_EMAIL)
    assert consent.granted is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("family_name_kana", "abc", "カタカナで入力してください"),
        ("given_name_kana", "花子", "カタカナで入力してください"),
        ("family_name", "伊賀😀", "絵文字は使えません"),
        ("postal_code", "12345", "7桁の数字"),
        ("postal_code", "0000000", "見つかりませんでした"),
        ("prefecture_code", "27", "一致しません"),
        ("family_name", "", "このフィールドは必須です"),
        ("family_name", "あ" * 51, "50 文字以下"),
        ("skills_text", "x" * 2001, "2000 文字以下"),
        ("phone", "電話して", "電話番号は数字とハイフン"),
        ("ties", [], "このフィールドは必須です"),
        ("ties", ["other"], "内容を入力してください"),
        ("referral_code", "NOSUCH", "紹介コードは見つかりませんでした"),
        ("agree_terms", None, "同意が必要です"),
        ("email", "not-an-email", "有効なメールアドレス"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_keeps_what_was_typed(
    client, field, value, message
):
    response = join(client, **{field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "入力内容を確認してください" in page  # the summary at the top
    assert 'aria-invalid="true"' in page
    assert 'value="神宮前1-1-1"' in page  # what was typed is kept
    kept = value if field == "email" else "hanako@example.jp"
    assert f'value="{kept}"' in page
    assert not Member.objects.exists()


def test_variant_kanji_are_kept_as_typed(client):
    join(client, family_name="髙﨑", given_name="𠮷子")
    member = Member.objects.get()
    assert member.family_name == "髙﨑"
    assert member.given_name == "𠮷子"
    assert member.search_name == "髙﨑𠮷子"


def test_emoji_are_fine_in_a_nickname(client):
    join(client, nickname="いがぐり🌰")
    assert Member.objects.get().nickname == "いがぐり🌰"


def test_script_in_free_text_is_stored_as_typed_and_shown_escaped(client, community):
    from tests.factories import staff_user

    join(client, skills_text="<script>alert(1)</script>", nickname="<b>x</b>")
    member = Member.objects.get()
    assert member.skills_text == "<script>alert(1)</script>"
    staff = staff_user(community)
    client.force_login(staff)
    page = client.get(f"/staff/members/{member.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_one_megabyte_body_is_refused_cleanly(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big_field = client.post("/join/", {**VALID_JOIN, "skills_text": "x" * 1_000_000})
    big_file = client.post(
        "/join/", {**VALID_JOIN, "photo": SimpleUploadedFile("a.jpg", b"x" * 1_100_000)}
    )
    raw = client.post("/join/", b"x" * 1_000_000, content_type="application/octet-stream")
    for response in (big_field, big_file, raw):
        assert response.status_code == 413
        assert "送信された内容が大きすぎます" in response.content.decode()
    assert not Member.objects.exists()
    # Just under the limit Django's own form-field limit answers (400, not a 500).
    assert client.post("/join/", {"skills_text": "x" * 300_000}).status_code == 400


def test_an_already_registered_email_gets_the_same_answer_and_its_owner_a_mail(client):
    MemberFactory(user__email="taken@example.jp")
    mail.outbox.clear()
    response = join(client, email="taken@example.jp")
    fresh = join(client, email="fresh@example.jp")
    # No account enumeration: both go to the same "check your mail" page.
    assert response.status_code == fresh.status_code == 302
    assert response["Location"] == fresh["Location"]
    assert Member.objects.filter(user__email="taken@example.jp").count() == 1
    to_owner = [m for m in mail.outbox if "taken@example.jp" in m.to]
    assert len(to_owner) == 1
    assert "/accounts/confirm-email/" not in to_owner[0].body
    assert "すでに登録されています" in to_owner[0].body


def test_repeated_posts_do_not_create_duplicate_members(client):
    for _ in range(3):
        join(client)
    assert Member.objects.count() == 1
    assert EmailAddress.objects.filter(email="hanako@example.jp").count() == 1


def test_a_tampered_verification_link_shows_a_clear_page(client):
    join(client)
    link = confirmation_link("hanako@example.jp")
    response = client.get(link[:-3] + "xx/")
    assert response.status_code in (200, 404)
    assert "無効" in response.content.decode() or "期限" in response.content.decode()
    assert post(client, link[:-3] + "xx/").status_code in (200, 404)
    assert Member.objects.get().status == Member.Status.PENDING


def test_an_expired_verification_link_shows_a_clear_page(client, settings):
    join(client)
    link = confirmation_link("hanako@example.jp")
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = -1
    opened = client.get(link)
    assert "リンクが不正か、期限が切れています" in opened.content.decode()
    pressed = post(client, link)
    assert pressed.status_code == 404
    assert "ページが見つかりません" in pressed.content.decode()
    assert Member.objects.get().status == Member.Status.PENDING


def test_a_valid_referral_code_records_the_referrer(client):
    referrer = MemberFactory(referral_code="IGAFRIEND")
    join(client, referral_code="igafriend")
    assert Member.objects.get(user__email="hanako@example.jp").referred_by == referrer


def test_signup_is_rate_limited_per_ip(client):
    codes = [join(client, email=f"user{i}@example.jp").status_code for i in range(12)]
    assert codes[:10] == [302] * 10
    assert codes[-1] == 429
    page = join(client, email="late@example.jp").content.decode()
    assert "しばらくしてからお試しください" in page


@pytest.mark.parametrize("taken", [True, False])
def test_signup_attempts_at_one_address_are_rate_limited(client, taken):
    if taken:
        MemberFactory(user__email="hanako@example.jp")
    mail.outbox.clear()
    codes = [join(client).status_code for _ in range(4)]
    # Three tries an hour per address, registered or not (so the limit tells nothing).
    assert codes == [302, 302, 302, 429]
    # The owner of a registered address is mailed once, not once per try.
    assert len(mail.outbox) == 1
    assert Member.objects.count() == 1


def test_a_known_address_costs_the_same_password_hashing(client, monkeypatch):
    import enishi.members.forms as forms

    hashed = []
    real = forms.make_password
    monkeypatch.setattr(forms, "make_password", lambda p: hashed.append(p) or real(p))
    MemberFactory(user__email="taken@example.jp")
    join(client, email="taken@example.jp")
    assert hashed == [VALID_JOIN["password1"]]


def test_login_is_rate_limited_per_account(client):
    MemberFactory(user__email="hanako@example.jp")
    for _ in range(5):
        client.post("/accounts/login/", {"login": "hanako@example.jp", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"login": "hanako@example.jp", "password": "correct-horse-battery"}
    )
    # Locked for a while, even with the right password, with a clear message.
    assert response.status_code == 200
    assert "ログイン失敗が連続しています" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_without_a_password_a_member_signs_in_with_a_mailed_code(client):
    register_and_verify(client, password1="")
    member = Member.objects.get()
    assert member.status == Member.Status.ACTIVE
    assert not member.user.has_usable_password()
    client.logout()
    mail.outbox.clear()
    response = post(client, "/accounts/login/code/", {"email": "hanako@example.jp"})
    assert response.status_code == 302
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[0].body, re.MULTILINE).group(1)
    response = post(client, response["Location"], {"code": code})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200


def test_a_form_sent_back_with_errors_keeps_the_password(client):
    response = join(client, agree_terms=None)
    assert f'value="{VALID_JOIN["password1"]}"' in response.content.decode()


def test_login_page_leads_to_join_and_to_the_login_code(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/join/"' in page
    assert "ログインコードをメールで受け取る" in page
    assert client.get("/accounts/signup/")["Location"] == "/join/"


def test_staff_land_on_the_staff_home_after_login_with_their_second_factor(client, community):
    from tests.factories import staff_user, totp_code

    staff = staff_user(community, email="kanri@example.jp")
    response = client.post(
        "/accounts/login/", {"login": "kanri@example.jp", "password": "correct-horse-battery"}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/staff/members/").status_code == 302  # not signed in yet
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200  # wrong code: asked again
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(staff)})
    assert response["Location"] == "/staff/"
