from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from enishi.activities import services
from enishi.activities.models import (
    Activity,
    ActivitySession,
    Application,
    ApplicationEvent,
    ApplicationQuestion,
    LotteryDraw,
)
from enishi.activities.services import ActivityError
from enishi.core.markdown import render_markdown
from enishi.ledger.models import Engagement, PointsRule
from enishi.members.models import Member
from enishi.members.services import member_withdraw
from tests.factories import CommunityFactory, MemberFactory, staff_user

from .factories import ActivityFactory, QuestionFactory, SessionFactory

pytestmark = pytest.mark.django_db
S = Application.Status


def apply(session, member=None, **kwargs):
    return services.application_apply(session=session, member=member or MemberFactory(), **kwargs)


def statuses(session):
    return list(session.applications.order_by("pk").values_list("status", flat=True))


def error_code(call) -> str:
    with pytest.raises(ActivityError) as caught:
        call()
    return caught.value.code


@pytest.fixture
def staff(community):
    return staff_user(community)


# --- first come -----------------------------------------------------------------------------


def test_first_come_accepts_while_places_remain_then_waitlists_in_order(committed):
    session = SessionFactory(capacity=2)
    with committed():
        apps = [apply(session) for _ in range(4)]
    assert [a.status for a in apps] == [S.ACCEPTED, S.ACCEPTED, S.WAITLISTED, S.WAITLISTED]
    assert [a.waitlist_position for a in apps] == [None, None, 1, 2]
    subjects = [m.subject for m in mail.outbox]
    assert sum("参加が決まりました" in s for s in subjects) == 2
    assert sum("キャンセル待ちで受け付けました" in s for s in subjects) == 2
    assert all(s.startswith("[伊賀衆] ") for s in subjects)
    assert mail.outbox[0].to == [apps[0].member.user.email]
    assert session.activity.title in mail.outbox[0].body
    events = ApplicationEvent.objects.filter(application=apps[0]).order_by("pk")
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "applied"),
        ("applied", "accepted"),
    ]
    assert events[0].by == apps[0].member.user


def test_full_session_without_waitlist_refuses_and_keeps_nothing(committed):
    session = SessionFactory(capacity=1, waitlist=False)
    apply(session)
    late = MemberFactory()
    with committed():
        assert error_code(lambda: apply(session, late)) == "full"
    assert not Application.objects.filter(member=late).exists()
    assert not mail.outbox


def test_unlimited_session_accepts_everyone():
    session = SessionFactory(capacity=None)
    assert {apply(session).status for _ in range(7)} == {S.ACCEPTED}


def test_applying_twice_is_refused_but_again_after_cancelling():
    session = SessionFactory()
    member = MemberFactory()
    first = apply(session, member)
    assert error_code(lambda: apply(session, member)) == "duplicate"
    services.application_cancel(application=first, by=member.user)
    assert apply(session, member).status == S.ACCEPTED


def test_applying_outside_the_window_or_to_an_unpublished_activity_is_refused():
    now = timezone.now()
    closed = SessionFactory(
        activity__opens_at=now - timedelta(days=5), activity__closes_at=now - timedelta(minutes=1)
    )
    assert error_code(lambda: apply(closed)) == "window_closed"
    early = SessionFactory(
        activity__opens_at=now + timedelta(days=1), activity__closes_at=now + timedelta(days=5)
    )
    assert error_code(lambda: apply(early)) == "not_open_yet"
    draft = SessionFactory(activity__status=Activity.Status.DRAFT)
    assert error_code(lambda: apply(draft)) == "not_published"
    started = SessionFactory(starts_at=now - timedelta(hours=1))
    assert error_code(lambda: apply(started)) == "started"


def test_only_active_members_of_the_community_apply():
    session = SessionFactory()
    pending = MemberFactory(status=Member.Status.PENDING, number=None)
    assert error_code(lambda: apply(session, pending)) == "pending_member"
    withdrawn = MemberFactory(status=Member.Status.WITHDRAWN)
    assert error_code(lambda: apply(session, withdrawn)) == "not_member"
    stranger = MemberFactory(community=CommunityFactory())
    assert error_code(lambda: apply(session, stranger)) == "other_community"


def test_answers_are_checked_and_stored_with_their_question():
    session = SessionFactory()
    activity = session.activity
    text = QuestionFactory(activity=activity, text="参加の動機", required=True)
    choice = QuestionFactory(
        activity=activity, text="昼食", kind=ApplicationQuestion.Kind.CHOICE,
        choices=["弁当", "持参"],
    )  # fmt: skip
    yes_no = QuestionFactory(activity=activity, text="車で来ますか", kind="yes_no")
    assert error_code(lambda: apply(session, answers={})) == "answer_required"
    bad_choice = {text.pk: "田んぼが好き", choice.pk: "寿司"}
    assert error_code(lambda: apply(session, answers=bad_choice)) == "answer_choice"
    application = apply(
        session, answers={text.pk: " 田んぼが好き ", choice.pk: "弁当", yes_no.pk: "yes"}
    )
    text.text = "質問を書き換えた"
    text.save()
    application.refresh_from_db()
    assert application.answer_rows == [
        ("参加の動機", "田んぼが好き"), ("昼食", "弁当"), ("車で来ますか", "はい"),
    ]  # fmt: skip


# --- state machine --------------------------------------------------------------------------


def test_illegal_transitions_are_refused(staff):
    session = SessionFactory(activity__selection=Activity.Selection.SCREENING)
    application = apply(session)
    assert application.status == S.APPLIED
    services.application_reject(application=application, by=staff)
    for call in (
        services.application_accept,
        services.application_waitlist,
        services.application_cancel,
        services.application_mark_attended,
    ):
        assert error_code(lambda c=call: c(application=application, by=staff)) == (
            "illegal_transition"
        )
    other = apply(session)
    with pytest.raises(ActivityError) as caught:
        services.application_mark_attended(application=other, by=staff)
    assert caught.value.code == "illegal_transition"
    assert "「応募済み」の応募を「参加済み」にはできません" in caught.value.message


def test_every_transition_is_recorded_with_who_and_when(staff):
    session = SessionFactory(
        activity__selection=Activity.Selection.SCREENING,
        starts_at=timezone.now() + timedelta(days=3),
    )
    application = apply(session)
    services.application_waitlist(application=application, by=staff, message="少しお待ちください")
    services.application_accept(application=application, by=staff)
    application.refresh_from_db()
    assert application.decided_at is not None and application.waitlist_position is None
    events = list(application.events.order_by("pk"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "applied"), ("applied", "waitlisted"), ("waitlisted", "accepted"),
    ]  # fmt: skip
    assert events[1].by == staff and events[1].message == "少しお待ちください"
    assert all(e.at for e in events)


def test_screening_decisions_mail_the_applicant_with_the_message(staff, committed):
    session = SessionFactory(activity__selection=Activity.Selection.SCREENING)
    with committed():
        apps = [apply(session) for _ in range(3)]
    assert all("応募を受け付けました" in m.subject for m in mail.outbox)
    mail.outbox.clear()
    with committed():
        services.applications_decide(
            applications=apps[:2], decision="accept", by=staff, message="当日は長靴で"
        )
        services.application_reject(application=apps[2], by=staff, message="またの機会に")
    assert statuses(session) == [S.ACCEPTED, S.ACCEPTED, S.REJECTED]
    accepted, _, rejected = mail.outbox
    assert "参加が決まりました" in accepted.subject and "当日は長靴で" in accepted.body
    assert "選考結果" in rejected.subject and "またの機会に" in rejected.body


def test_bulk_accept_beyond_capacity_changes_nobody(staff):
    session = SessionFactory(activity__selection=Activity.Selection.SCREENING, capacity=2)
    apps = [apply(session) for _ in range(3)]
    with pytest.raises(ActivityError) as caught:
        services.applications_decide(applications=apps, decision="accept", by=staff)
    assert "定員（2人）に達している" in caught.value.message
    assert statuses(session) == [S.APPLIED] * 3


def test_staff_cannot_waitlist_when_the_session_keeps_no_waiting_list(staff):
    session = SessionFactory(activity__selection=Activity.Selection.SCREENING, waitlist=False)
    application = apply(session)
    assert (
        error_code(lambda: services.application_waitlist(application=application, by=staff))
        == "no_waitlist"
    )


# --- cancelling and the waiting list --------------------------------------------------------


def test_cancelling_an_accepted_place_promotes_the_waiting_list_in_order(committed):
    session = SessionFactory(capacity=1)
    first = apply(session)
    second, third = apply(session), apply(session)
    with committed():
        services.application_cancel(application=first, by=first.member.user)
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == (S.ACCEPTED, S.WAITLISTED)
    assert [m.to for m in mail.outbox] == [[second.member.user.email]]
    assert "キャンセル待ちから参加が決まりました" in mail.outbox[0].subject
    event = second.events.order_by("pk").last()
    assert (event.from_status, event.to_status, event.by) == ("waitlisted", "accepted", None)
    # Cancelling from the waiting list frees no place and promotes nobody.
    services.application_cancel(application=third, by=third.member.user)
    assert statuses(session) == [S.CANCELLED, S.ACCEPTED, S.CANCELLED]


def test_cancelling_after_the_start_is_refused():
    session = SessionFactory(starts_at=timezone.now() + timedelta(hours=1))
    application = apply(session)
    ActivitySession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5)
    )
    assert (
        error_code(lambda: services.application_cancel(application=application, by=None))
        == "started"
    )


def test_withdrawn_member_loses_the_place_and_the_next_moves_up(committed):
    session = SessionFactory(capacity=1)
    question = QuestionFactory(activity=session.activity, text="自己紹介")
    leaving = apply(session, answers={question.pk: "伊賀で育ちました"})
    waiting = apply(session)
    with committed():
        member_withdraw(member=leaving.member)
    leaving.refresh_from_db()
    waiting.refresh_from_db()
    assert (leaving.status, waiting.status) == (S.CANCELLED, S.ACCEPTED)
    assert leaving.events.order_by("pk").last().message == "退会のため"
    assert leaving.answers[0]["question"] == "自己紹介" and leaving.answers[0]["answer"] == ""
    assert [m.to for m in mail.outbox] == [[waiting.member.user.email]]


# --- attendance -----------------------------------------------------------------------------


def test_attendance_writes_one_ledger_entry_with_the_activity_points(staff, community):
    session = SessionFactory(activity__points_for_attendance=50, activity__use="knowledge")
    application = apply(session)
    services.application_mark_attended(application=application, by=staff)
    services.application_mark_attended(application=application, by=staff)  # harmless twice
    entry = Engagement.objects.get(member=application.member, source_type="activity_session")
    assert (entry.kind, entry.points, entry.source_id) == ("knowledge", 50, session.pk)
    assert entry.occurred_at == session.starts_at
    application.refresh_from_db()
    assert application.status == S.ATTENDED


def test_attendance_without_override_uses_the_points_rule(staff, community):
    rule = PointsRule.objects.get(community=community, kind="local_activity")
    session = SessionFactory(anytime=True, starts_at=None, capacity=None)
    application = apply(session)
    services.application_mark_attended(application=application, by=staff)
    entry = Engagement.objects.get(member=application.member, source_type="activity_session")
    assert entry.points == rule.points


def test_no_show_only_after_the_start(staff):
    session = SessionFactory()
    application = apply(session)
    assert (
        error_code(lambda: services.application_mark_no_show(application=application, by=staff))
        == "not_started"
    )
    ActivitySession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=None
    )
    services.application_mark_no_show(application=application, by=staff)
    application.refresh_from_db()
    assert application.status == S.NO_SHOW
    assert (
        not Engagement.objects.filter(member=application.member)
        .exclude(kind="registration")
        .exists()
    )


# --- lottery --------------------------------------------------------------------------------


def _closed_lottery(capacity=2, waitlist=True, applicants=5):
    session = SessionFactory(capacity=capacity, waitlist=waitlist,
                             activity__selection=Activity.Selection.LOTTERY)  # fmt: skip
    apps = [apply(session) for _ in range(applicants)]
    Activity.objects.filter(pk=session.activity_id).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    return session, apps


def test_lottery_waits_for_the_window_to_close(staff):
    session = SessionFactory(activity__selection=Activity.Selection.LOTTERY)
    assert apply(session).status == S.APPLIED
    assert error_code(lambda: services.lottery_draw(session=session, by=staff)) == "window_open"


def test_lottery_is_seeded_recorded_and_deterministic(staff):
    session, apps = _closed_lottery()
    first = services.lottery_draw(session=session, by=staff, seed=42)
    again = services.lottery_draw(session=session, by=staff, seed=42)
    other = services.lottery_draw(session=session, by=staff, seed=7)
    assert first.result == again.result
    assert first.seed == 42 and first.drawn_by == staff
    assert sorted(first.result["order"]) == sorted(a.pk for a in apps)
    assert len(first.result["accepted"]) == 2 and len(first.result["waitlisted"]) == 3
    assert other.result["order"] != first.result["order"]  # (for these five, these seeds)
    assert LotteryDraw.objects.filter(session=session).count() == 3  # every draw is kept
    assert statuses(session) == [S.APPLIED] * 5  # nobody is told before the results are sent


def test_lottery_results_are_sent_once_and_cannot_be_redrawn(staff, committed):
    session, apps = _closed_lottery(capacity=2, waitlist=False, applicants=4)
    draw = services.lottery_draw(session=session, by=staff, seed=2026)
    with committed():
        services.lottery_send(session=session, by=staff)
    by_pk = {a.pk: a.status for a in session.applications.all()}
    assert [by_pk[pk] for pk in draw.result["order"]] == [
        S.ACCEPTED, S.ACCEPTED, S.REJECTED, S.REJECTED,
    ]  # fmt: skip
    assert len(mail.outbox) == 4
    assert error_code(lambda: services.lottery_draw(session=session, by=staff)) == "already_sent"
    assert error_code(lambda: services.lottery_send(session=session, by=staff)) == "already_sent"


def test_run_lotteries_command_draws_due_sessions_once_and_sends_on_request(committed):
    session, _ = _closed_lottery(applicants=3)
    open_one = SessionFactory(activity__selection=Activity.Selection.LOTTERY)
    call_command("run_lotteries")
    call_command("run_lotteries")
    assert session.draws.count() == 1 and open_one.draws.count() == 0
    assert statuses(session) == [S.APPLIED] * 3
    with committed():
        call_command("run_lotteries", "--send")
    assert sorted(statuses(session)) == [S.ACCEPTED, S.ACCEPTED, S.WAITLISTED]
    assert len(mail.outbox) == 3


# --- editing activities ---------------------------------------------------------------------


def test_capacity_cannot_drop_below_the_accepted(staff):
    session = SessionFactory(capacity=3)
    for _ in range(3):
        apply(session)
    session.capacity = 2
    with pytest.raises(ActivityError) as caught:
        services.activity_save(activity=session.activity, sessions=[session], by=staff)
    assert caught.value.code == "capacity_below_accepted"
    assert "すでに3人の参加が決まっています" in caught.value.message
    session.refresh_from_db()
    assert session.capacity == 3
    assert statuses(session) == [S.ACCEPTED] * 3  # nobody was dropped


def test_more_places_go_to_the_waiting_list(staff):
    session = SessionFactory(capacity=1)
    apps = [apply(session) for _ in range(3)]
    session.capacity = 2
    services.activity_save(activity=session.activity, sessions=[session], by=staff)
    assert statuses(session) == [S.ACCEPTED, S.ACCEPTED, S.WAITLISTED]
    assert apps


def test_sessions_with_applications_cannot_be_deleted(staff):
    session = SessionFactory()
    apply(session)
    with pytest.raises(ActivityError):
        services.activity_save(activity=session.activity, deleted_sessions=[session], by=staff)
    assert ActivitySession.objects.filter(pk=session.pk).exists()


def test_at_most_ten_questions(staff):
    activity = ActivityFactory()
    questions = [ApplicationQuestion(text=f"q{i}", position=i) for i in range(11)]
    with pytest.raises(ActivityError):
        services.activity_save(activity=activity, questions=questions, by=staff)
    assert not activity.questions.exists()


def test_status_moves_and_its_rules(staff):
    activity = ActivityFactory(status=Activity.Status.DRAFT)
    assert (
        error_code(lambda: services.activity_set_status(activity=activity, status="published"))
        == "no_sessions"
    )
    session = SessionFactory(activity=activity)
    services.activity_set_status(activity=activity, status="published")
    apply(session)
    assert (
        error_code(lambda: services.activity_set_status(activity=activity, status="draft"))
        == "has_applications"
    )
    assert (
        error_code(lambda: services.activity_set_status(activity=activity, status="archived"))
        == "illegal_transition"
    )
    services.activity_set_status(activity=activity, status="closed")
    services.activity_set_status(activity=activity, status="archived")
    activity.refresh_from_db()
    assert activity.status == Activity.Status.ARCHIVED


def test_duplicate_copies_sessions_questions_and_tags_as_a_draft(staff, community):
    session = SessionFactory(capacity=8)
    activity = session.activity
    activity.topics.set(community.tags.filter(kind="topic")[:2])
    QuestionFactory(activity=activity, text="動機")
    apply(session)
    copy = services.activity_duplicate(activity=activity, by=staff)
    assert copy.pk != activity.pk and copy.status == Activity.Status.DRAFT
    assert copy.title == f"{activity.title}（コピー）"
    assert copy.topics.count() == 2 and copy.created_by == staff
    assert [s.capacity for s in copy.sessions.all()] == [8]
    assert [q.text for q in copy.questions.all()] == ["動機"]
    assert not Application.objects.filter(session__activity=copy).exists()


# --- reminders and thanks -------------------------------------------------------------------


def test_reminders_and_thanks_are_sent_once(staff, committed):
    tomorrow = SessionFactory(starts_at=timezone.now() + timedelta(hours=20))
    later = SessionFactory(starts_at=timezone.now() + timedelta(days=5))
    reminded = apply(tomorrow)
    apply(later)
    done = SessionFactory(starts_at=timezone.now() + timedelta(hours=2))
    attended = apply(done)
    services.application_mark_attended(application=attended, by=staff)
    ActivitySession.objects.filter(pk=done.pk).update(
        starts_at=timezone.now() - timedelta(hours=5), ends_at=timezone.now() - timedelta(hours=1)
    )
    mail.outbox.clear()
    with committed():
        call_command("send_activity_reminders")
        call_command("send_activity_reminders")
    assert [(m.to, "開催が近づいています" in m.subject) for m in mail.outbox] == [
        ([reminded.member.user.email], True),
        ([attended.member.user.email], False),
    ]
    assert "ご参加ありがとうございました" in mail.outbox[1].subject


# --- markdown -------------------------------------------------------------------------------


def test_markdown_is_rendered_without_scripts_or_dangerous_links():
    html = render_markdown(
        "# 持ち物\n\n- 長靴\n- 軍手<script>alert('x')</script>\n\n"
        "[地図](https://example.jp/map) [罠](javascript:alert(1))"
        ' <img src="x" onerror="alert(1)"> <a href="#" onclick="steal()">押す</a>'
    )
    assert "<h2>持ち物</h2>" in html and "<li>長靴</li>" in html
    assert "<script" not in html and "alert" not in html
    assert "onerror" not in html and "onclick" not in html and "javascript:" not in html
    assert 'href="https://example.jp/map"' in html and "nofollow" in html
