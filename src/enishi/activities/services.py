"""Every write to activities and applications, with its side effects (mail, ledger).

An application moves only through the `application_*` services below, each checked against
TRANSITIONS and recorded as an ApplicationEvent. Anything that fills or frees a place locks the
session row first (as Decidim's join_meeting does) and counts the taken places after the lock,
so two people can never take the last place at once.
"""

import hashlib
import random
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enishi.ledger.services import engagement_record
from enishi.members.models import Member
from enishi.promotion.services import referral_reward

from .mails import application_mail
from .models import (
    MAX_QUESTIONS,
    Activity,
    ActivitySession,
    Application,
    ApplicationEvent,
    ApplicationQuestion,
    CalendarFeed,
    LotteryDraw,
)

Status = Application.Status

TRANSITIONS: dict[str, set[str]] = {
    Status.APPLIED: {Status.ACCEPTED, Status.WAITLISTED, Status.REJECTED, Status.CANCELLED},
    Status.ACCEPTED: {Status.ATTENDED, Status.NO_SHOW, Status.CANCELLED},
    Status.WAITLISTED: {Status.ACCEPTED, Status.CANCELLED},
}

ACTIVITY_TRANSITIONS: dict[str, set[str]] = {
    Activity.Status.DRAFT: {Activity.Status.PUBLISHED},
    Activity.Status.PUBLISHED: {Activity.Status.CLOSED, Activity.Status.DRAFT},
    Activity.Status.CLOSED: {Activity.Status.PUBLISHED, Activity.Status.ARCHIVED},
    Activity.Status.ARCHIVED: {Activity.Status.CLOSED},
}


class ActivityError(Exception):
    """A rule of activities or applications said no; `message` is shown to the person."""

    def __init__(self, message, code: str = ""):
        super().__init__(str(message))
        self.message = message
        self.code = code


# --- places ---------------------------------------------------------------------------------


def _actor(by):
    """Who to record as having done it: a signed-in person, or nobody (the system, a command)."""
    return by if by is not None and by.is_authenticated else None


def _lock_session(session_id: int) -> ActivitySession:
    return (
        ActivitySession.objects.select_for_update(of=("self",))
        .select_related("activity__community")
        .get(pk=session_id)
    )


def taken_places(session: ActivitySession) -> int:
    return session.count_taken()


def _free_places(session: ActivitySession) -> int | None:
    """Places left (None: no limit). Call with the session row locked."""
    if session.capacity is None:
        return None
    return max(session.capacity - taken_places(session), 0)


def _lock_application(application: Application) -> tuple[ActivitySession, Application]:
    # Always the session first, then the application: one lock order, no deadlocks.
    session = _lock_session(application.session_id)
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("member__user")
        .get(pk=application.pk)
    )
    locked.session = session
    return session, locked


def _staff_may_decide(session: ActivitySession, application: Application) -> None:
    # A lottery's applicants are decided by the recorded draw, not one by one before it.
    if (
        session.activity.selection == Activity.Selection.LOTTERY
        and application.status == Status.APPLIED
        and not session.draws.filter(sent_at__isnull=False).exists()
    ):
        raise ActivityError(_("抽選の活動では、抽選結果を送るまで個別に決められません。"),
                            code="lottery_pending")  # fmt: skip


def _move(application: Application, to: str, *, by, message: str = "") -> Application:
    """The one place an application's status changes: checked, stamped and recorded."""
    current = application.status
    if to not in TRANSITIONS.get(current, set()):
        raise ActivityError(
            _("「%(from)s」の応募を「%(to)s」にはできません。")
            % {"from": Status(current).label, "to": Status(to).label},
            code="illegal_transition",
        )
    now = timezone.now()
    application.status = to
    if to in (Status.ACCEPTED, Status.WAITLISTED, Status.REJECTED):
        application.decided_at = now
    if to == Status.WAITLISTED:
        last = application.session.applications.aggregate(last=Max("waitlist_position"))["last"]
        application.waitlist_position = (last or 0) + 1
    else:
        application.waitlist_position = None
    application.save(update_fields=["status", "decided_at", "waitlist_position", "updated_at"])
    ApplicationEvent.objects.create(
        application=application,
        from_status=current,
        to_status=to,
        by=_actor(by),
        at=now,
        message=message,
    )
    return application


def _promote_waitlisted(session: ActivitySession) -> list[Application]:
    """Fill free places from the waiting list, in order. Call with the session row locked."""
    promoted = []
    if session.has_started():
        return promoted
    while True:
        free = _free_places(session)
        if free is not None and free <= 0:
            break
        nxt = (
            session.applications.select_for_update(of=("self",))
            .select_related("member__user")
            .filter(status=Status.WAITLISTED)
            .order_by("waitlist_position", "pk")
            .first()
        )
        if nxt is None:
            break
        nxt.session = session
        _move(nxt, Status.ACCEPTED, by=None, message=gettext("キャンセル待ちから繰り上げ"))
        application_mail(application=nxt, kind="promoted")
        promoted.append(nxt)
    return promoted


# --- applying -------------------------------------------------------------------------------


def _clean_answers(activity: Activity, answers: dict) -> list[dict]:
    """The answers as stored: each with its question's text, in the questions' order."""
    stored = []
    for question in activity.questions.all():
        value = str(answers.get(question.pk, "") or "").strip()
        if question.required and not value:
            raise ActivityError(
                _("「%(question)s」への回答が必要です。") % {"question": question.text},
                code="answer_required",
            )
        if value and question.kind == ApplicationQuestion.Kind.CHOICE:
            if value not in question.choices:
                raise ActivityError(_("選択肢から選んでください。"), code="answer_choice")
        if value and question.kind == ApplicationQuestion.Kind.YES_NO:
            if value not in ("yes", "no"):
                raise ActivityError(_("はい・いいえで答えてください。"), code="answer_choice")
        stored.append(
            {"question_id": question.pk, "question": question.text, "kind": question.kind,
             "answer": value}
        )  # fmt: skip
    return stored


def application_check_member(*, member: Member | None) -> None:
    """Only active members apply: not visitors, not pending (unverified) nor withdrawn ones."""
    if member is None or member.status == Member.Status.WITHDRAWN:
        raise ActivityError(_("応募できるのは会員の方だけです。"), code="not_member")
    if member.status == Member.Status.PENDING:
        raise ActivityError(
            _("メールアドレスの確認が済むと応募できます。届いたメールのリンクを開いてください。"),
            code="pending_member",
        )


@transaction.atomic
def application_apply(
    *, session: ActivitySession, member: Member, answers: dict | None = None
) -> Application:
    """A member applies to a session. First come: accepted while places remain, then
    waitlisted (or refused when the session keeps no waiting list). Lottery and screening:
    the application waits for the draw or for staff."""
    application_check_member(member=member)
    session = _lock_session(session.pk)
    activity = session.activity
    if activity.community_id != member.community_id:
        raise ActivityError(_("この活動には応募できません。"), code="other_community")
    now = timezone.now()
    if activity.status != Activity.Status.PUBLISHED:
        raise ActivityError(_("この活動は応募を受け付けていません。"), code="not_published")
    if now < activity.opens_at:
        raise ActivityError(_("応募の受付はまだ始まっていません。"), code="not_open_yet")
    if now >= activity.closes_at:
        raise ActivityError(_("応募の受付は締め切りました。"), code="window_closed")
    if session.has_started(now):
        raise ActivityError(_("この回はすでに始まっています。"), code="started")
    if (
        Application.objects.filter(session=session, member=member)
        .exclude(status=Status.CANCELLED)
        .exists()
    ):
        raise ActivityError(_("この回にはすでに応募しています。"), code="duplicate")
    stored = _clean_answers(activity, answers or {})
    outcome, mail = Status.APPLIED, "received"
    if activity.selection == Activity.Selection.FIRST_COME:
        free = _free_places(session)
        if free is None or free > 0:
            outcome, mail = Status.ACCEPTED, "accepted"
        elif session.waitlist:
            outcome, mail = Status.WAITLISTED, "waitlisted"
        else:
            raise ActivityError(_("定員に達したため、この回には応募できません。"), code="full")
    application = Application.objects.create(
        session=session, member=member, status=Status.APPLIED, answers=stored
    )
    application.session = session
    by = member.user
    ApplicationEvent.objects.create(
        application=application, from_status="", to_status=Status.APPLIED, by=by, at=now
    )
    if outcome != Status.APPLIED:
        _move(application, outcome, by=by)
    application_mail(application=application, kind=mail)
    return application


# --- staff decisions ------------------------------------------------------------------------


@transaction.atomic
def application_accept(*, application: Application, by, message: str = "") -> Application:
    """Staff accept an applicant (or one on the waiting list), if a place is free."""
    session, application = _lock_application(application)
    _staff_may_decide(session, application)
    was_waitlisted = application.status == Status.WAITLISTED
    if Status.ACCEPTED in TRANSITIONS.get(application.status, set()):
        free = _free_places(session)
        if free is not None and free <= 0:
            raise ActivityError(
                _("定員（%(capacity)d人）に達しているため、参加確定にできません。")
                % {"capacity": session.capacity},
                code="full",
            )
    _move(application, Status.ACCEPTED, by=by, message=message)
    application_mail(
        application=application, kind="promoted" if was_waitlisted else "accepted", message=message
    )
    return application


@transaction.atomic
def application_waitlist(*, application: Application, by, message: str = "") -> Application:
    """Staff put an applicant on the session's waiting list."""
    session, application = _lock_application(application)
    _staff_may_decide(session, application)
    if not session.waitlist:
        raise ActivityError(_("この回はキャンセル待ちを受け付けていません。"), code="no_waitlist")
    _move(application, Status.WAITLISTED, by=by, message=message)
    application_mail(application=application, kind="waitlisted", message=message)
    return application


@transaction.atomic
def application_reject(*, application: Application, by, message: str = "") -> Application:
    """Staff decline an applicant (選考で見送り)."""
    session, application = _lock_application(application)
    _staff_may_decide(session, application)
    _move(application, Status.REJECTED, by=by, message=message)
    application_mail(application=application, kind="rejected", message=message)
    return application


DECISIONS = {
    "accept": application_accept,
    "waitlist": application_waitlist,
    "reject": application_reject,
}


@transaction.atomic
def applications_decide(
    *, applications: Iterable[Application], decision: str, by, message: str = ""
) -> int:
    """Staff decide several applicants at once: all of them, or none (the error names who)."""
    service = DECISIONS[decision]
    done = 0
    for application in applications:
        try:
            service(application=application, by=by, message=message)
        except ActivityError as error:
            raise ActivityError(
                _("%(name)s：%(error)s") % {"name": application.member, "error": error.message},
                code=error.code,
            ) from error
        done += 1
    return done


# --- the member's side ----------------------------------------------------------------------


@transaction.atomic
def application_cancel(*, application: Application, by, message: str = "") -> Application:
    """Cancel until the session starts. A freed place goes to the next on the waiting list."""
    session, application = _lock_application(application)
    if session.has_started():
        raise ActivityError(
            _("開始後はキャンセルできません。主催者に直接ご連絡ください。"), code="started"
        )
    held_place = application.status == Status.ACCEPTED
    _move(application, Status.CANCELLED, by=by, message=message)
    if held_place:
        _promote_waitlisted(session)
    return application


def applications_release_for_withdrawal(*, member: Member) -> int:
    """A withdrawn member keeps no place: their live applications to sessions that have not
    started are cancelled (no mail: the address is gone) and the places passed on. Their
    answers are erased like the profile's free text; the questions and statuses stay for
    the statistics."""
    released = 0
    live = Application.objects.filter(member=member, status__in=Application.LIVE)
    for application in live.select_related("session"):
        if application.session.has_started():
            continue
        application_cancel(application=application, by=None, message=gettext("退会のため"))
        released += 1
    for application in Application.objects.filter(member=member).exclude(answers=[]):
        application.answers = [{**answer, "answer": ""} for answer in application.answers]
        application.save(update_fields=["answers", "updated_at"])
    return released


# --- the day itself -------------------------------------------------------------------------


@transaction.atomic
def application_mark_attended(*, application: Application, by) -> Application:
    """Mark an accepted applicant as attended and record the engagement in the ledger.
    Marking twice is harmless: the second call changes nothing."""
    session, application = _lock_application(application)
    if application.status == Status.ATTENDED:
        return application
    _move(application, Status.ATTENDED, by=by)
    activity = session.activity
    engagement_record(
        member=application.member,
        kind=activity.use,
        source_type="activity_session",
        source_id=session.pk,
        points=activity.points_for_attendance,
        occurred_at=session.starts_at or timezone.now(),
        note=activity.title[:200],
        created_by=_actor(by),
    )
    if application.member.referred_by_id is not None:
        referral_reward(invited=application.member, stage="attended")
    return application


@transaction.atomic
def application_record_past_walk_in(*, session, member, by, message: str) -> Application:
    """Someone came as a walk-in before they were a member (recorded on a contact) and has
    now joined: their attendance becomes an attended application and its ledger entry, as if
    they had been let in at the door. The door's capacity check is not asked again: they were
    there. A member already attended is left as they are."""
    application = (
        Application.objects.filter(session=session, member=member)
        .exclude(status=Status.CANCELLED)
        .first()
    )
    if application is None:
        application = Application.objects.create(
            session=session, member=member, status=Status.APPLIED, answers=[]
        )
        ApplicationEvent.objects.create(application=application, from_status="",
                                        to_status=Status.APPLIED, by=_actor(by),
                                        message=message)  # fmt: skip
    if application.status in (Status.APPLIED, Status.WAITLISTED):
        _move(application, Status.ACCEPTED, by=by, message=message)
    if application.status == Status.ACCEPTED:
        application = application_mark_attended(application=application, by=by)
    return application


@transaction.atomic
def application_mark_no_show(*, application: Application, by) -> Application:
    """Mark an accepted applicant who did not come, once the session has started."""
    session, application = _lock_application(application)
    if not session.anytime and not session.has_started():
        raise ActivityError(_("欠席は開始後に記録できます。"), code="not_started")
    return _move(application, Status.NO_SHOW, by=by)


# --- lottery --------------------------------------------------------------------------------


def _latest_draw(session: ActivitySession) -> LotteryDraw | None:
    return session.draws.order_by("-drawn_at", "-pk").first()


def lottery_result(*, order: list[int], cut: int, waitlist: bool) -> dict:
    """A draw's stored outcome: the first `cut` applications in the drawn order get places;
    the rest wait (when the session keeps a waiting list) or are not chosen."""
    rest = order[cut:]
    return {
        "order": order,
        "accepted": order[:cut],
        "waitlisted": rest if waitlist else [],
        "rejected": [] if waitlist else rest,
    }


@transaction.atomic
def lottery_draw(*, session: ActivitySession, by=None, seed: int | None = None) -> LotteryDraw:
    """Draw lots for a lottery session once its window has closed: a seeded shuffle of the
    applications, recorded with its seed. Nobody is told yet; staff may draw again until
    the results are sent (lottery_send)."""
    session = _lock_session(session.pk)
    activity = session.activity
    if activity.selection != Activity.Selection.LOTTERY:
        raise ActivityError(_("抽選で選ぶ活動ではありません。"), code="not_lottery")
    if timezone.now() < activity.closes_at:
        raise ActivityError(_("抽選は受付の締切後にできます。"), code="window_open")
    if session.draws.filter(sent_at__isnull=False).exists():
        raise ActivityError(_("結果を送った後は抽選をやり直せません。"), code="already_sent")
    pool = list(
        session.applications.filter(status=Status.APPLIED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    seed = secrets.randbits(62) if seed is None else seed
    order = pool[:]
    random.Random(seed).shuffle(order)
    free = _free_places(session)
    cut = len(order) if free is None else free
    return LotteryDraw.objects.create(
        session=session,
        seed=seed,
        result=lottery_result(order=order, cut=cut, waitlist=session.waitlist),
        drawn_by=_actor(by),
    )


@transaction.atomic
def lottery_send(*, session: ActivitySession, by=None) -> LotteryDraw:
    """Apply the latest draw in its order — accepted while places remain, then waitlisted
    (or not chosen) — and mail everyone their result. Afterwards the draw is final."""
    session = _lock_session(session.pk)
    draw = _latest_draw(session)
    if draw is None:
        raise ActivityError(_("まだ抽選していません。"), code="no_draw")
    if draw.sent_at is not None:
        raise ActivityError(_("抽選結果はすでに送りました。"), code="already_sent")
    pending = {
        a.pk: a
        for a in session.applications.select_for_update(of=("self",))
        .select_related("member__user")
        .filter(pk__in=draw.result["order"], status=Status.APPLIED)
    }
    note = gettext("抽選の結果")
    for pk in draw.result["order"]:
        application = pending.get(pk)
        if application is None:
            continue  # cancelled since the draw
        application.session = session
        free = _free_places(session)
        if free is None or free > 0:
            _move(application, Status.ACCEPTED, by=by, message=note)
            application_mail(application=application, kind="accepted")
        elif session.waitlist:
            _move(application, Status.WAITLISTED, by=by, message=note)
            application_mail(application=application, kind="waitlisted")
        else:
            _move(application, Status.REJECTED, by=by, message=note)
            application_mail(application=application, kind="rejected")
    draw.sent_at = timezone.now()
    draw.save(update_fields=["sent_at"])
    return draw


def lottery_sessions_due(*, now=None):
    """Lottery sessions whose window has closed and that have not been drawn yet."""
    now = now or timezone.now()
    return ActivitySession.objects.filter(
        activity__selection=Activity.Selection.LOTTERY,
        activity__status__in=[Activity.Status.PUBLISHED, Activity.Status.CLOSED],
        activity__closes_at__lte=now,
        draws__isnull=True,
    ).order_by("pk")


def lottery_sessions_unsent():
    """Lottery sessions that have a draw whose results have not been sent."""
    return (
        ActivitySession.objects.filter(draws__isnull=False)
        .exclude(draws__sent_at__isnull=False)
        .distinct()
        .order_by("pk")
    )


# --- reminders and thanks -------------------------------------------------------------------


def activity_reminders_send(*, now=None) -> tuple[int, int]:
    """Send the reminders for sessions starting today or tomorrow and the thanks to those
    who attended a session that has ended (in the last week). Each is sent once: the
    application is stamped before its mail is queued, so a second run sends nothing."""
    now = now or timezone.now()
    day_after_tomorrow = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) + timedelta(days=2)
    related = ("member__user", "session__activity__community")
    reminded = 0
    due = Application.objects.filter(
        status=Status.ACCEPTED,
        reminder_sent_at__isnull=True,
        session__starts_at__gt=now,
        session__starts_at__lt=day_after_tomorrow,
    ).select_related(*related)
    for application in due:
        with transaction.atomic():
            claimed = Application.objects.filter(
                pk=application.pk, status=Status.ACCEPTED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if claimed:
                application_mail(application=application, kind="reminder")
                reminded += 1
    thanked = 0
    ended = (
        Q(session__anytime=True)
        | Q(session__ends_at__lte=now)
        | Q(session__ends_at__isnull=True, session__starts_at__lte=now)
    )
    attended = Application.objects.filter(
        ended,
        status=Status.ATTENDED,
        thanks_sent_at__isnull=True,
        updated_at__gte=now - timedelta(days=7),
    ).select_related(*related)
    for application in attended:
        with transaction.atomic():
            claimed = Application.objects.filter(
                pk=application.pk, thanks_sent_at__isnull=True
            ).update(thanks_sent_at=now)
            if claimed:
                application_mail(application=application, kind="thanks")
                thanked += 1
    return reminded, thanked


# --- activities -----------------------------------------------------------------------------


@transaction.atomic
def activity_save(
    *,
    activity: Activity,
    topics=(),
    wanted_skills=(),
    sessions: Iterable[ActivitySession] = (),
    deleted_sessions: Iterable[ActivitySession] = (),
    questions: Iterable[ApplicationQuestion] = (),
    deleted_questions: Iterable[ApplicationQuestion] = (),
    by=None,
) -> Activity:
    """Create or edit an activity with its sessions and questions, all or nothing. A session
    cannot get fewer places than it has accepted people (nobody is dropped silently), nor be
    removed while it has applications; more places go to the waiting list at once."""
    if activity.pk is None and by is not None and by.is_authenticated:
        activity.created_by = by
    activity.save()
    activity.topics.set(topics)
    activity.wanted_skills.set(wanted_skills)
    for session in deleted_sessions:
        locked = _lock_session(session.pk)
        if locked.applications.exists():
            raise ActivityError(
                _("%(session)s の回には応募があるため削除できません。") % {"session": locked},
                code="session_has_applications",
            )
        locked.delete()
    grown = []
    for session in sessions:
        session.activity = activity
        if session.pk is not None:
            locked = _lock_session(session.pk)
            taken = taken_places(locked)
            if session.capacity is not None and session.capacity < taken:
                raise ActivityError(
                    _(
                        "%(session)s の回はすでに%(taken)d人の参加が決まっています。"
                        "定員を%(taken)d人より少なくはできません。"
                    )
                    % {"session": locked, "taken": taken},
                    code="capacity_below_accepted",
                )
            if locked.capacity is not None and (
                session.capacity is None or session.capacity > locked.capacity
            ):
                grown.append(session)
        session.save()
    for question in deleted_questions:
        question.delete()
    for question in questions:
        question.activity = activity
        question.save()
    if activity.questions.count() > MAX_QUESTIONS:
        raise ActivityError(
            _("質問は%(max)d個までです。") % {"max": MAX_QUESTIONS}, code="too_many_questions"
        )
    for session in grown:
        _promote_waitlisted(_lock_session(session.pk))
    return activity


@transaction.atomic
def activity_set_status(*, activity: Activity, status: str, by=None) -> Activity:
    """Move an activity along draft → published → closed → archived (and back one step)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if status not in ACTIVITY_TRANSITIONS.get(activity.status, set()):
        raise ActivityError(
            _("「%(from)s」の活動を「%(to)s」にはできません。")
            % {
                "from": Activity.Status(activity.status).label,
                "to": Activity.Status(status).label,
            },
            code="illegal_transition",
        )
    if status == Activity.Status.PUBLISHED and not activity.sessions.exists():
        raise ActivityError(_("公開するには日程（回）が1つ以上必要です。"), code="no_sessions")
    if (
        status == Activity.Status.DRAFT
        and Application.objects.filter(session__activity=activity).exists()
    ):
        raise ActivityError(
            _("応募がある活動は下書きに戻せません。受付終了にしてください。"),
            code="has_applications",
        )
    activity.status = status
    activity.save(update_fields=["status", "updated_at"])
    return activity


@transaction.atomic
def activity_duplicate(*, activity: Activity, by=None) -> Activity:
    """A draft copy of an activity with its sessions, questions and tags (no applications)."""
    source = Activity.objects.get(pk=activity.pk)
    copy = Activity.objects.get(pk=activity.pk)
    copy.pk = None
    copy._state.adding = True
    copy.title = (gettext("%(title)s（コピー）") % {"title": source.title})[:120]
    copy.status = Activity.Status.DRAFT
    copy.created_at = timezone.now()
    copy.created_by = _actor(by)
    copy.save()
    copy.topics.set(source.topics.all())
    copy.wanted_skills.set(source.wanted_skills.all())
    ActivitySession.objects.bulk_create(
        ActivitySession(
            activity=copy,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            anytime=s.anytime,
            capacity=s.capacity,
            waitlist=s.waitlist,
        )
        for s in source.sessions.all()
    )
    ApplicationQuestion.objects.bulk_create(
        ApplicationQuestion(
            activity=copy, text=q.text, kind=q.kind, choices=q.choices, required=q.required,
            position=q.position,
        )
        for q in source.questions.all()
    )  # fmt: skip
    return copy


def calendar_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def calendar_feed_issue(*, member: Member) -> str:
    """A new secret URL key for the member's calendar feed (the old one stops working)."""
    key = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        member=member, defaults={"key_hash": calendar_key_hash(key), "created_at": timezone.now()}
    )
    return key


@transaction.atomic
def calendar_feed_revoke(*, member: Member) -> None:
    CalendarFeed.objects.filter(member=member).delete()
