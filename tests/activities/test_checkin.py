import pytest
from django.core import signing
from django.test import Client

from enishi.activities import checkin, services
from enishi.activities.models import Application
from enishi.ledger.models import Engagement
from enishi.members.services import card_token_issue
from tests.factories import CommunityFactory, MemberFactory, staff_user
from tests.members.helpers import post

from .factories import SessionFactory

Status = Application.Status


@pytest.fixture
def session(community):
    return SessionFactory(capacity=3)


@pytest.fixture
def desk(client, community, session):
    client.force_login(staff_user(community))
    client.get(f"/staff/checkin/{session.pk}/")  # the staff member opens the desk
    return client


def accepted(session, member=None):
    member = member or MemberFactory()
    application = services.application_apply(session=session, member=member)
    assert application.status == Status.ACCEPTED
    return application


def ledger_rows(member, session):
    return Engagement.objects.filter(member=member, source_type="activity_session",
                                     source_id=session.pk).count()  # fmt: skip


def test_scanning_a_card_at_the_desk_checks_the_member_in_once(desk, session):
    application = accepted(session)
    member = application.member
    token = card_token_issue(member=member)
    # The phone camera opens the card's URL; the desk's browser is sent on to check in.
    response = desk.get(f"/card/{token}/", follow=True)
    page = response.content.decode()
    assert "受付しました" in page and member.display_name in page and "新入り" in page
    application.refresh_from_db()
    assert application.status == Status.ATTENDED
    assert ledger_rows(member, session) == 1
    again = desk.get(f"/card/{token}/", follow=True).content.decode()
    assert "すでに受付済みです" in again
    assert ledger_rows(member, session) == 1  # checking in twice is harmless


def test_without_a_desk_open_the_card_page_only_says_it_is_valid(client, community, session):
    application = accepted(session)
    client.force_login(staff_user(community))
    response = client.get(f"/card/{card_token_issue(member=application.member)}/")
    assert "有効な伊賀衆の会員証です" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED


def test_typing_a_member_number_in_any_width(desk, session):
    application = accepted(session)
    number = application.member.number  # e.g. IGA-900001
    digits = number.split("-")[1]
    wide = "".join(chr(ord(c) + 0xFEE0) for c in digits)  # 全角
    page = post(
        desk, f"/staff/checkin/{session.pk}/", {"number": wide}, follow=True
    ).content.decode()
    assert "受付しました" in page
    assert (
        "見つかりませんでした"
        in post(
            desk, f"/staff/checkin/{session.pk}/", {"number": "IGA-999999"}, follow=True
        ).content.decode()
    )


def test_bad_card_tokens_get_a_clear_answer(desk, session, settings):
    member = accepted(session).member
    token = card_token_issue(member=member)
    tampered = desk.get(f"/staff/checkin/{session.pk}/card/{token[:-2]}xx/", follow=True)
    assert "読み取れませんでした" in tampered.content.decode()
    settings.ENISHI_CARD_SCREEN_TOKEN_MAX_AGE = -1
    expired = desk.get(f"/staff/checkin/{session.pk}/card/{token}/", follow=True)
    assert "有効期限が切れています" in expired.content.decode()
    assert ledger_rows(member, session) == 0


def test_a_card_of_another_community_is_refused(desk, session):
    stranger = MemberFactory(community=CommunityFactory())
    page = desk.get(
        f"/staff/checkin/{session.pk}/card/{card_token_issue(member=stranger)}/", follow=True
    )
    assert "このコミュニティの会員証ではありません" in page.content.decode()


def test_members_without_a_place_can_be_let_in_as_walk_ins(desk, session):
    member = MemberFactory()
    page = desk.get(
        f"/staff/checkin/{session.pk}/card/{card_token_issue(member=member)}/", follow=True
    )
    assert "この回への応募がありません" in page.content.decode()
    assert "当日参加として受付する" in page.content.decode()
    page = post(desk, f"/staff/checkin/{session.pk}/walk-in/", {"member": member.pk}, follow=True)
    assert "当日参加として受付しました" in page.content.decode()
    assert Application.objects.get(member=member).status == Status.ATTENDED
    assert ledger_rows(member, session) == 1


def test_walk_ins_do_not_exceed_capacity(desk, session):
    for _ in range(3):
        accepted(session)
    member = MemberFactory()
    page = post(desk, f"/staff/checkin/{session.pk}/walk-in/", {"member": member.pk}, follow=True)
    assert "定員に達しているため" in page.content.decode()
    assert not Application.objects.filter(member=member, status=Status.ATTENDED).exists()


def test_the_desk_shows_live_counts(desk, session):
    first, _second = accepted(session), accepted(session)
    checkin.checkin_member(session=session, member=first.member, by=None)
    fragment = desk.get(f"/staff/checkin/{session.pk}/?counts=1", headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert body.lstrip().startswith('<p id="checkin-counts"')
    assert "<strong>1</strong> / 参加予定 2 人" in body


def test_self_checkin_with_the_venue_code(desk, session):
    application = accepted(session)
    display = desk.get(f"/staff/checkin/{session.pk}/display/").content.decode()
    assert "<svg" in display
    token = checkin.self_checkin_token(session=session)
    phone = Client()
    phone.force_login(application.member.user)
    assert "受付しました" in phone.get(f"/checkin/{token}/").content.decode()
    assert "すでに受付済みです" in phone.get(f"/checkin/{token}/").content.decode()
    assert ledger_rows(application.member, session) == 1


def test_self_checkin_refuses_bad_codes_and_people_without_a_place(session, monkeypatch):
    member = MemberFactory()
    phone = Client()
    phone.force_login(member.user)
    token = checkin.self_checkin_token(session=session)
    response = phone.get(f"/checkin/{token}/")
    assert response.status_code == 400
    assert "この回への応募がありません" in response.content.decode()
    assert "読み取れませんでした" in phone.get(f"/checkin/{token}x/").content.decode()
    forged = signing.dumps({"s": session.pk}, salt="another purpose")
    assert "読み取れませんでした" in phone.get(f"/checkin/{forged}/").content.decode()
    monkeypatch.setattr(checkin, "SELF_CHECKIN_MAX_AGE", -1)
    assert "有効期限が切れています" in phone.get(f"/checkin/{token}/").content.decode()


def test_self_checkin_of_another_community_is_refused(session):
    stranger = MemberFactory(community=CommunityFactory())
    phone = Client()
    phone.force_login(stranger.user)
    token = checkin.self_checkin_token(session=session)
    # The stranger's community is chosen by host; on this host they have no membership.
    assert phone.get(f"/checkin/{token}/").status_code == 404


def test_checkin_pages_are_for_this_communitys_staff(client, community, session):
    member = MemberFactory()
    client.force_login(member.user)
    assert client.get(f"/staff/checkin/{session.pk}/").status_code == 403
    client.force_login(staff_user(CommunityFactory()))
    assert client.get(f"/staff/checkin/{session.pk}/").status_code == 403


def test_applications_are_part_of_the_members_data(client, session):
    application = accepted(session)
    client.force_login(application.member.user)
    data = client.get("/me/data.json").json()
    assert data["applications"][0]["activity"] == session.activity.title
    assert data["applications"][0]["status"] == "参加確定"
    assert "活動への応募" in client.get("/me/data.csv").content.decode("utf-8")


def test_the_desk_shows_each_outcome_once_and_polling_repeats_nothing(desk, session):
    application = accepted(session)
    token = card_token_issue(member=application.member)
    response = desk.get(f"/card/{token}/", follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/checkin/{session.pk}/"
    assert "受付しました" in response.content.decode()
    page = desk.get(f"/staff/checkin/{session.pk}/").content.decode()
    assert "受付しました" not in page  # shown once
    assert f'hx-get="/staff/checkin/{session.pk}/?counts=1"' in page


def test_the_desk_is_remembered_for_the_day_only_and_can_be_closed(desk, session, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    application = accepted(session)
    token = card_token_issue(member=application.member)
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    page = desk.get(f"/card/{token}/").content.decode()
    assert "有効な伊賀衆の会員証です" in page  # yesterday's desk no longer checks in
    monkeypatch.undo()
    desk.get(f"/staff/checkin/{session.pk}/")
    post(desk, f"/staff/checkin/{session.pk}/close/")
    assert "有効な伊賀衆の会員証です" in desk.get(f"/card/{token}/").content.decode()
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED


def test_bad_input_at_the_desk_gets_an_answer_not_an_error(desk, session):
    for number in ["²", "9" * 5000, "<script>", ""]:
        response = post(desk, f"/staff/checkin/{session.pk}/", {"number": number}, follow=True)
        assert response.status_code == 200
        assert "見つかりませんでした" in response.content.decode()
    assert post(desk, f"/staff/checkin/{session.pk}/walk-in/", {"member": "abc"}).status_code == 404


def test_lottery_applicants_are_decided_by_the_draw_not_one_by_one(community):
    from enishi.activities.models import Activity

    session = SessionFactory(activity__selection=Activity.Selection.LOTTERY, capacity=1)
    application = services.application_apply(session=session, member=MemberFactory())
    staff = staff_user(community)
    for decide in (services.application_accept, services.application_reject):
        with pytest.raises(services.ActivityError, match="抽選結果を送るまで"):
            decide(application=application, by=staff)
    application.refresh_from_db()
    assert application.status == Status.APPLIED


def test_exports_survive_control_characters_and_neutralise_formulas(client, community):
    import io

    from openpyxl import load_workbook

    from .factories import QuestionFactory

    session = SessionFactory()
    QuestionFactory(activity=session.activity, text="=HYPERLINK(1)")
    question = session.activity.questions.get()
    services.application_apply(
        session=session, member=MemberFactory(), answers={question.pk: "beep\x01beep"}
    )
    client.force_login(staff_user(community))
    response = post(client, f"/staff/activities/{session.activity.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "'=HYPERLINK(1)" in values and "beepbeep" in values


def test_a_walk_in_who_is_not_a_member_is_recorded_and_becomes_theirs_when_they_join(
    desk, session, community
):
    """Someone without a membership comes: the desk records them as a contact's attendance;
    when they join through an invitation, it becomes their attended application and entry."""
    from enishi.donations.messages import invitation_token
    from enishi.donations.models import Contact, ContactAttendance
    from enishi.members.models import Member
    from tests.members.helpers import VALID_JOIN, confirmation_link

    member = MemberFactory(community=community)
    url = f"/staff/checkin/{session.pk}/walk-in/contact/"
    page = desk.get(f"/staff/checkin/{session.pk}/").content.decode()
    assert "会員でない方の当日参加を記録する" in page
    # A member's address is refused with a reason, and what was typed stays.
    refused = desk.post(url, {"name": "伊賀 三郎", "email": member.user.email,
                              "info_consent": "yes"})  # fmt: skip
    assert refused.status_code == 400
    assert "すでに会員です" in refused.content.decode()
    assert 'value="伊賀 三郎"' in refused.content.decode()
    data = {"name": "伊賀 三郎", "name_kana": "いが さぶろう", "email": "saburo@example.jp",
            "info_consent": "yes"}  # fmt: skip
    page = post(desk, url, data, follow=True).content.decode()
    assert "伊賀 三郎 さんの当日参加を記録しました" in page
    assert "ほかに未登録の当日参加 1 人" in page
    saburo = Contact.objects.get(email="saburo@example.jp")
    assert saburo.source == "event" and saburo.name_kana == "イガ サブロウ"
    post(desk, url, data)  # entered twice: still one contact, one attendance
    assert Contact.objects.count() == 1 and ContactAttendance.objects.count() == 1
    assert session.activity.title in desk.get(f"/staff/contacts/{saburo.pk}/").content.decode()

    # They join through an invitation link; on verifying their address the attendance is theirs.
    joiner = Client()
    data = {**VALID_JOIN, "email": "saburo@example.jp", "family_name": "伊賀",
            "given_name": "三郎", "invitation": invitation_token(contact=saburo)}  # fmt: skip
    assert post(joiner, "/join/", data).status_code == 302
    post(joiner, confirmation_link("saburo@example.jp"))
    joined = Member.objects.get(user__email="saburo@example.jp")
    assert joined.status == Member.Status.ACTIVE
    application = Application.objects.get(member=joined, session=session)
    assert application.status == Status.ATTENDED
    assert ledger_rows(joined, session) == 1
    saburo.refresh_from_db()
    assert saburo.member == joined and saburo.email == ""
