import csv
import io
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from enishi.activities import services
from enishi.activities.models import Activity, ActivitySession, Application
from enishi.activities.views import PAGE_SIZE
from enishi.communities.models import Tag
from enishi.members.models import Member
from enishi.privacy.models import AuditEvent
from tests.factories import CommunityFactory, MemberFactory, staff_user
from tests.members.helpers import post

from .factories import QuestionFactory, SessionFactory

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.fixture
def staff(client, community):
    user = staff_user(community)
    client.force_login(user)
    return user


@pytest.fixture
def member(client):
    member = MemberFactory()
    client.force_login(member.user)
    return member


def text(response) -> str:
    return response.content.decode()


# --- the public list ------------------------------------------------------------------------


def test_list_shows_upcoming_activities_with_date_place_places_and_use(client, community):
    session = SessionFactory(
        capacity=3, activity__title="伊賀焼の窯出し", activity__use="knowledge",
        activity__place_kind="city", activity__city="tokyo", activity__address="",
        activity__place_name="東京駅",
    )  # fmt: skip
    services.application_apply(session=session, member=MemberFactory())
    SessionFactory(activity__title="過去の活動", starts_at=timezone.now() - timedelta(days=3))
    SessionFactory(activity__title="下書き", activity__status=Activity.Status.DRAFT)
    SessionFactory(activity__title="よその町", activity__community=CommunityFactory())
    page = text(client.get("/activities/"))
    assert "伊賀焼の窯出し" in page
    assert "過去の活動" not in page and "下書き" not in page and "よその町" not in page
    assert "残り2席" in page and "東京（集合場所）" in page and "東京駅" in page
    assert 'class="use-badge use-badge--knowledge">知見の提供<' in page
    assert session.label in page


@pytest.fixture
def variety(community):
    topic = Tag.objects.filter(community=community, kind=Tag.Kind.TOPIC).first()
    now = timezone.localtime()
    next_month = (now.replace(day=1) + timedelta(days=40)).replace(day=5, hour=10)
    iga = SessionFactory(activity__title="伊賀A", starts_at=next_month, capacity=1)
    services.application_apply(session=iga, member=MemberFactory())  # now full
    online = SessionFactory(
        activity__title="オンラインB", activity__place_kind="online", activity__address="",
        activity__use="knowledge", capacity=None,
        starts_at=now + timedelta(days=2),
    )  # fmt: skip
    online.activity.topics.add(topic)
    ongoing = SessionFactory(activity__title="随時C", anytime=True, starts_at=None, capacity=None)
    return {"topic": topic, "month": next_month, "iga": iga, "online": online, "ongoing": ongoing}


def test_list_filters(client, variety):
    def titles(**params):
        return [a.title for a in client.get("/activities/", params).context["page"]]

    assert titles() == ["オンラインB", "伊賀A", "随時C"]  # soonest first, open-ended last
    assert titles(use="knowledge") == ["オンラインB"]
    assert titles(place="online") == ["オンラインB"]
    assert titles(place="iga") == ["伊賀A", "随時C"]
    assert titles(topic=variety["topic"].pk) == ["オンラインB"]
    assert titles(month=f"{variety['month']:%Y-%m}") == ["伊賀A", "随時C"]
    assert titles(has_places="on") == ["オンラインB", "随時C"]
    response = client.get("/activities/", {"month": "1999-01"})
    assert "month" in response.context["form"].errors  # said next to the field ...
    assert len(response.context["page"]) == 3  # ... and the list is not filtered by it
    assert titles(month="1999-01", place="online") == ["オンラインB"]  # the others still apply


def test_list_query_count_does_not_grow(client, community, django_assert_max_num_queries):
    tags = list(Tag.objects.filter(community=community, kind=Tag.Kind.TOPIC)[:2])

    def make(n):
        for _ in range(n):
            session = SessionFactory()
            session.activity.topics.set(tags)
            SessionFactory(activity=session.activity, capacity=None)

    def count_queries():
        with django_assert_max_num_queries(8) as captured:
            response = client.get("/activities/", {"has_places": "on"})
        assert response.status_code == 200
        return len(captured)

    make(5)
    small = count_queries()
    make(195)
    assert count_queries() == small
    assert len(client.get("/activities/").context["page"]) == PAGE_SIZE


# --- the activity page ----------------------------------------------------------------------


def test_detail_renders_markdown_safely_and_asks_visitors_to_log_in(client):
    session = SessionFactory(activity__body="**持ち物**：長靴\n\n<script>alert('x')</script>")
    page = text(client.get(f"/activities/{session.activity_id}/"))
    assert "<strong>持ち物</strong>" in page
    assert "alert(" not in page and "<script>alert" not in page
    assert "ログインして応募する" in page
    assert f"/accounts/login/?next=/activities/{session.activity_id}/" in page


def test_draft_is_hidden_from_the_public_but_shown_to_staff(client, community):
    draft = SessionFactory(activity__status=Activity.Status.DRAFT).activity
    assert client.get(f"/activities/{draft.pk}/").status_code == 404
    client.force_login(staff_user(community))
    assert client.get(f"/activities/{draft.pk}/").status_code == 200
    other = SessionFactory(activity__community=CommunityFactory())
    assert client.get(f"/activities/{other.activity_id}/").status_code == 404


def test_member_applies_with_answers_and_gets_a_mail(client, member):
    session = SessionFactory(capacity=2)
    question = QuestionFactory(activity=session.activity, text="参加の動機", required=True)
    url = f"/activities/{session.activity_id}/"
    page = client.get(url)
    assert "応募する" in text(page) and "参加の動機" in text(page)
    missing = post(client, url + "apply/", {"session": session.pk})
    assert "入力内容を確認してください" in text(missing)
    assert not Application.objects.exists()
    response = post(
        client, url + "apply/", {"session": session.pk, f"q_{question.pk}": "米作りを学びたい"},
        follow=True,
    )  # fmt: skip
    assert response.redirect_chain == [("/me/applications/", 302)]
    assert "参加が決まりました" in text(response)
    application = Application.objects.get()
    assert application.member == member and application.status == S.ACCEPTED
    assert application.answers[0]["answer"] == "米作りを学びたい"
    assert len(mail.outbox) == 1 and "参加が決まりました" in mail.outbox[0].subject
    assert "/me/applications/" in mail.outbox[0].body
    again = client.get(url)
    assert "この活動に応募しています" in text(again) and again.context["form"] is None


def test_full_session_without_waitlist_is_not_offered_and_a_race_is_explained(client, member):
    session = SessionFactory(capacity=1, waitlist=False)
    url = f"/activities/{session.activity_id}/"
    form = client.get(url).context["form"]
    services.application_apply(session=session, member=MemberFactory())  # someone was quicker
    response = post(client, url + "apply/", {"session": session.pk})
    assert "この回には応募できません" in text(response)
    assert client.get(url).context["form"] is None
    assert "応募できる回がありません" in text(client.get(url))
    assert form is not None


def test_pending_and_withdrawn_members_cannot_apply(client):
    session = SessionFactory()
    url = f"/activities/{session.activity_id}/"
    pending = MemberFactory(status=Member.Status.PENDING, number=None)
    client.force_login(pending.user)
    assert "メールアドレスの確認が済むと応募できます" in text(client.get(url))
    response = post(client, url + "apply/", {"session": session.pk}, follow=True)
    assert "メールアドレスの確認が済むと応募できます" in text(response)
    withdrawn = MemberFactory(status=Member.Status.WITHDRAWN)
    client.force_login(withdrawn.user)
    assert "応募できるのは会員の方だけです" in text(client.get(url))
    assert not Application.objects.exists()


def test_ical_file(client):
    start = timezone.make_aware(datetime(2031, 5, 10, 9, 30))
    session = SessionFactory(
        starts_at=start, ends_at=start + timedelta(hours=2),
        activity__title="田植え, 泥んこ; 体験", activity__body="持ち物\n長靴と\\タオル",
    )  # fmt: skip
    SessionFactory(activity=session.activity, anytime=True, starts_at=None)
    response = client.get(f"/activities/{session.activity_id}.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    assert "TZID:Asia/Tokyo" in body and "TZOFFSETTO:+0900" in body
    assert "DTSTART;TZID=Asia/Tokyo:20310510T093000" in body
    assert "DTEND;TZID=Asia/Tokyo:20310510T113000" in body
    assert "SUMMARY:田植え\\, 泥んこ\\; 体験" in body
    unfolded = body.replace("\r\n ", "")
    assert "DESCRIPTION:持ち物\\n長靴と\\\\タオル" in unfolded
    assert body.count("BEGIN:VEVENT") == 1  # the anytime session has no date
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert f"UID:activity-{session.activity_id}-session-{session.pk}@testserver" in body


# --- my applications ------------------------------------------------------------------------


def test_my_applications_and_cancelling(client, member):
    session = SessionFactory(capacity=1)
    mine = services.application_apply(session=session, member=member)
    waiting = services.application_apply(session=session, member=MemberFactory())
    page = client.get("/me/applications/")
    assert session.activity.title in text(page) and "参加確定" in text(page)
    response = post(client, f"/me/applications/{mine.pk}/cancel/", follow=True)
    assert "キャンセルしました" in text(response)
    waiting.refresh_from_db()
    assert waiting.status == S.ACCEPTED
    assert [m.to for m in mail.outbox] == [[waiting.member.user.email]]
    other = services.application_apply(session=SessionFactory(), member=MemberFactory())
    assert post(client, f"/me/applications/{other.pk}/cancel/").status_code == 404
    assert client.get(f"/me/applications/{mine.pk}/cancel/").status_code == 405


def test_my_page_links_to_activities(client, member):
    page = text(client.get("/me/"))
    assert 'href="/activities/"' in page and 'href="/me/applications/"' in page


def test_waitlist_place_is_shown(client, member):
    session = SessionFactory(capacity=1)
    services.application_apply(session=session, member=MemberFactory())
    services.application_apply(session=session, member=MemberFactory())
    services.application_apply(session=session, member=member)
    assert "2番目" in text(client.get("/me/applications/"))


# --- staff ----------------------------------------------------------------------------------


def test_staff_pages_are_for_this_communitys_staff_only(client, community):
    activity = SessionFactory().activity
    application = services.application_apply(
        session=activity.sessions.get(), member=MemberFactory()
    )
    pk = activity.pk
    gets = [
        "/staff/activities/", "/staff/activities/new/", f"/staff/activities/{pk}/",
        f"/staff/activities/{pk}/edit/", f"/staff/activities/{pk}/checkin-list/",
    ]  # fmt: skip
    posts = [
        f"/staff/activities/{pk}/duplicate/", f"/staff/activities/{pk}/status/",
        f"/staff/activities/{pk}/decide/", f"/staff/activities/{pk}/lottery/",
        f"/staff/activities/{pk}/export.csv",
        f"/staff/activities/{pk}/applications/{application.pk}/cancel/",
    ]  # fmt: skip
    for url in gets:
        assert client.get(url)["Location"].startswith("/accounts/login/"), url
    for url in posts:
        assert post(client, url)["Location"].startswith("/accounts/login/"), url
    client.force_login(MemberFactory().user)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert post(client, url).status_code == 403, url
    client.force_login(staff_user(CommunityFactory()))
    for url in gets:
        assert client.get(url).status_code == 403, url
    client.force_login(staff_user(community))
    stranger = SessionFactory(activity__community=CommunityFactory())
    assert client.get(f"/staff/activities/{stranger.activity_id}/").status_code == 404
    assert post(client, f"/staff/activities/{stranger.activity_id}/export.csv").status_code == 404
    application.refresh_from_db()
    assert application.status == S.ACCEPTED
    assert not AuditEvent.objects.exists()


def test_staff_home_links_to_activities(client, staff):
    assert 'href="/staff/activities/"' in text(client.get("/staff/"))


def test_staff_list_counts_applicants_in_constant_queries(
    client, staff, django_assert_max_num_queries
):
    def count_queries():
        with django_assert_max_num_queries(10) as captured:
            response = client.get("/staff/activities/")
        assert response.status_code == 200
        return len(captured)

    session = SessionFactory(capacity=1, activity__title="数える活動")
    for _ in range(3):
        services.application_apply(session=session, member=MemberFactory())
    small = count_queries()
    row = next(
        a for a in client.get("/staff/activities/").context["page"] if a.pk == session.activity_id
    )
    assert (row.n_accepted, row.n_waitlisted) == (1, 2)
    SessionFactory.create_batch(30)
    assert count_queries() == small


def _form_data(community, **changes) -> dict:
    organizer = community.organizers.first()
    now = timezone.localtime()
    data = {
        "title": "伊賀米の稲刈り", "organizer": organizer.pk, "use": "local_activity",
        "body": "## 内容\n稲刈りをします。", "place_kind": "iga", "city": "",
        "place_name": "上野公園", "address": "伊賀市上野丸之内", "fee": "500",
        "selection": "first_come",
        "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
        "points_for_attendance": "",
        "sessions-TOTAL_FORMS": "1", "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0", "sessions-MAX_NUM_FORMS": "1000",
        "sessions-0-starts_at": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "sessions-0-ends_at": (now + timedelta(days=10, hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "sessions-0-capacity": "10", "sessions-0-waitlist": "on",
        "questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000",
        "questions-0-text": "昼食", "questions-0-kind": "choice",
        "questions-0-choices_text": "弁当\n持参\n弁当", "questions-0-position": "1",
    }  # fmt: skip
    return {**data, **changes}


def test_staff_create_an_activity_with_sessions_and_questions(client, staff, community):
    assert client.get("/staff/activities/new/").status_code == 200
    response = post(client, "/staff/activities/new/", _form_data(community))
    activity = Activity.objects.get()
    assert response["Location"] == f"/staff/activities/{activity.pk}/"
    assert activity.status == Activity.Status.DRAFT and activity.created_by == staff
    assert activity.sessions.get().capacity == 10
    assert activity.questions.get().choices == ["弁当", "持参"]
    bad = post(
        client, "/staff/activities/new/",
        _form_data(community, place_kind="city", city="", closes_at="2000-01-01T00:00",
                   **{"questions-0-choices_text": "弁当"}),
    )  # fmt: skip
    page = text(bad)
    assert "集合場所の都市を選んでください" in page
    assert "受付締切は受付開始より後にしてください" in page
    assert "選択肢を2つ以上" in page
    assert 'value="伊賀米の稲刈り"' in page  # what was typed stays
    assert Activity.objects.count() == 1


def test_staff_lowering_capacity_below_accepted_is_told_and_nothing_changes(
    client, staff, community
):
    session = SessionFactory(capacity=3)
    for _ in range(3):
        services.application_apply(session=session, member=MemberFactory())
    activity = session.activity
    data = _form_data(
        community, title=activity.title,
        **{"sessions-INITIAL_FORMS": "1", "sessions-0-id": session.pk,
           "sessions-0-activity": activity.pk, "sessions-0-capacity": "2",
           "questions-TOTAL_FORMS": "0"},
    )  # fmt: skip
    response = post(client, f"/staff/activities/{activity.pk}/edit/", data)
    assert response.status_code == 200
    assert "すでに3人の参加が決まっています" in text(response)
    session.refresh_from_db()
    assert session.capacity == 3
    assert session.applications.filter(status=S.ACCEPTED).count() == 3


def test_staff_applicants_page_and_bulk_decisions(client, staff, community):
    session = SessionFactory(capacity=2, activity__selection=Activity.Selection.SCREENING)
    question = QuestionFactory(activity=session.activity, text="得意なこと")
    skill = Tag.objects.filter(community=community, kind=Tag.Kind.SKILL).first()
    people = [MemberFactory(ties=["birthplace", "family"]) for _ in range(3)]
    people[0].skills.add(skill)
    apps = [
        services.application_apply(session=session, member=m, answers={question.pk: f"草刈り{i}"})
        for i, m in enumerate(people)
    ]
    url = f"/staff/activities/{session.activity_id}/"
    page = text(client.get(url))
    assert people[0].full_name in page and "草刈り0" in page and skill.name in page
    assert "出身" in page and "得意なこと" in page
    mail.outbox.clear()
    response = post(
        client, url + "decide/",
        {"applications": [apps[0].pk, apps[1].pk], "decision": "accept", "message": "よろしく"},
        follow=True,
    )  # fmt: skip
    assert "2人の応募を更新しました" in text(response)
    assert len(mail.outbox) == 2 and "よろしく" in mail.outbox[0].body
    full = post(client, url + "decide/", {"applications": [apps[2].pk], "decision": "accept"},
                follow=True)  # fmt: skip
    assert "定員（2人）に達している" in text(full)
    post(client, url + f"applications/{apps[2].pk}/reject/", {"message": "また今度"})
    apps[2].refresh_from_db()
    assert apps[2].status == S.REJECTED
    assert "また今度" in mail.outbox[-1].body
    none = post(client, url + "decide/", {"decision": "accept"})
    assert "応募者を1人以上選んでください" in text(none)
    post(client, url + f"applications/{apps[0].pk}/attended/")
    apps[0].refresh_from_db()
    assert apps[0].status == S.ATTENDED
    assert post(client, url + f"applications/{apps[0].pk}/bogus/").status_code == 404


def test_staff_lottery_buttons(client, staff):
    session = SessionFactory(capacity=1, activity__selection=Activity.Selection.LOTTERY)
    for _ in range(3):
        services.application_apply(session=session, member=MemberFactory())
    url = f"/staff/activities/{session.activity_id}/"
    early = post(client, url + "lottery/", {"action": "draw"}, follow=True)
    assert "抽選は受付の締切後にできます" in text(early)
    Activity.objects.filter(pk=session.activity_id).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    post(client, url + "lottery/", {"action": "draw"})
    post(client, url + "lottery/", {"action": "draw"})  # drawn again before sending
    page = text(client.get(url))
    assert "抽選済み・未送信" in page and "当選" in page and "補欠" in page
    assert session.draws.count() == 2
    mail.outbox.clear()
    post(client, url + "lottery/", {"action": "send"})
    assert sorted(session.applications.values_list("status", flat=True)) == [
        S.ACCEPTED, S.WAITLISTED, S.WAITLISTED,
    ]  # fmt: skip
    assert len(mail.outbox) == 3
    again = post(client, url + "lottery/", {"action": "draw"}, follow=True)
    assert "結果を送った後は抽選をやり直せません" in text(again)


def test_staff_status_and_duplicate(client, staff):
    activity = SessionFactory(activity__status=Activity.Status.DRAFT).activity
    url = f"/staff/activities/{activity.pk}/"
    post(client, url + "status/", {"status": "published"})
    activity.refresh_from_db()
    assert activity.status == Activity.Status.PUBLISHED
    wrong = post(client, url + "status/", {"status": "archived"}, follow=True)
    assert "「公開中」の活動を「アーカイブ」にはできません" in text(wrong)
    response = post(client, url + "duplicate/")
    copy = Activity.objects.exclude(pk=activity.pk).get()
    assert response["Location"] == f"/staff/activities/{copy.pk}/edit/"
    assert client.get(response["Location"]).status_code == 200


def test_applicant_exports_are_audited(client, staff):
    session = SessionFactory()
    question = QuestionFactory(activity=session.activity, text="動機")
    services.application_apply(
        session=session, member=MemberFactory(given_name="花子", phone="=cmd()"),
        answers={question.pk: "田んぼ"},
    )  # fmt: skip
    url = f"/staff/activities/{session.activity_id}/"
    assert client.get(url + "export.csv").status_code == 405
    response = post(client, url + "export.csv")
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["回", "状態", "会員番号"] and rows[0][-1] == "動機"
    assert rows[1][4] == "花子" and rows[1][-1] == "田んぼ" and rows[1][8] == "'=cmd()"
    event = AuditEvent.objects.get()
    assert (event.action, event.row_count, event.actor) == (
        AuditEvent.Action.APPLICANT_EXPORT, 1, staff,
    )  # fmt: skip
    assert event.detail == {"format": "csv", "activity": session.activity_id}
    xlsx = post(client, url + "export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "回" and isinstance(values[1][12], datetime)
    assert AuditEvent.objects.count() == 2
    assert post(client, url + "export.pdf").status_code == 404


def test_checkin_list_is_printable_and_audited(client, staff):
    session = SessionFactory(capacity=1)
    coming = services.application_apply(session=session, member=MemberFactory(given_name="来る"))
    services.application_apply(session=session, member=MemberFactory(given_name="待つ"))
    page = text(client.get(f"/staff/activities/{session.activity_id}/checkin-list/"))
    assert coming.member.full_name in page and "待つ" not in page
    event = AuditEvent.objects.get()
    assert (event.action, event.row_count) == (AuditEvent.Action.CHECKIN_LIST, 1)
    assert ActivitySession.objects.count() == 1
