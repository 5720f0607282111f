from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from enishi.communities.permissions import (
    Perm,
    has_perm,
    staff_required,
    visible_activities,
    visible_organizers,
)
from enishi.core.markdown import render_markdown
from enishi.matching.selectors import member_interests
from enishi.members.models import Member
from enishi.members.selectors import member_for_user
from enishi.members.views import not_member_page
from enishi.privacy.models import AuditEvent
from enishi.privacy.services import audit_request

from . import exports, selectors, services
from .forms import (
    ActivityFilterForm,
    ActivityForm,
    ApplicationForm,
    DecisionForm,
    JobFilterForm,
    QuestionFormSet,
    SessionFormSet,
)
from .ical import activity_ical
from .models import Activity, ActivitySession, Application, LotteryDraw
from .services import ActivityError

PAGE_SIZE = 20


# --- public pages ---------------------------------------------------------------------------


def activity_list(request):
    form = ActivityFilterForm(request.GET or None, community=request.community)
    return _filtered_page(request, form, "activities/list.html")


def _filtered_page(request, form, template: str, **fixed):
    """A page of public activities under the form's filters (and `fixed` ones)."""
    form.is_valid()
    # A filter that does not parse is left out (the form says why); the others still apply.
    filters = {**getattr(form, "cleaned_data", {}), **fixed}
    activities = selectors.public_activities(community=request.community, filters=filters)
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, template,
        {"form": form, "page": page, "query": query.urlencode(), "now": timezone.now()},
    )  # fmt: skip


def job_board(request):
    """お手伝い (the ヒダスケ model): small jobs of residents, farms and shops, with the オカエシ
    each offers. They are activities, so signing up, check-in and the ledger work as for any."""
    return _filtered_page(request, JobFilterForm(request.GET or None), "activities/jobs.html",
                          small_jobs=True)  # fmt: skip


def _public_activity(request, pk: int) -> Activity:
    try:
        return selectors.public_activity(
            community=request.community,
            pk=pk,
            include_drafts=has_perm(request.user, request.community, Perm.ACTIVITIES),
        )
    except Activity.DoesNotExist as error:
        raise Http404 from error


def _open_sessions(activity: Activity, mine: dict, include_full=False) -> list[ActivitySession]:
    """Sessions the member could apply to now. A first-come session that is full and keeps
    no waiting list is not offered; when it filled up while the form was open, it is
    accepted here so that the service can say why the application failed."""
    now = timezone.now()
    if not activity.is_open_for_applications(now):
        return []
    first_come = activity.selection == Activity.Selection.FIRST_COME
    return [
        s
        for s in activity.sessions.all()
        if not s.has_started(now)
        and s.pk not in mine
        and (include_full or not (first_come and s.places_left == 0 and not s.waitlist))
    ]


def _detail_page(request, activity: Activity, form: ApplicationForm | None = None, status=200):
    member = member_for_user(community=request.community, user=request.user)
    mine = selectors.member_live_applications(member=member, activity=activity)
    sessions = _open_sessions(activity, mine)
    can_apply = member is not None and member.status == Member.Status.ACTIVE and bool(sessions)
    if form is None and can_apply:
        form = ApplicationForm(activity=activity, sessions=sessions)
    return render(
        request,
        "activities/detail.html",
        {
            "activity": activity,
            "body": render_markdown(activity.body),
            "member": member,
            "mine": mine,
            "my_applications": [(s, mine[s.pk]) for s in activity.sessions.all() if s.pk in mine],
            "form": form,
            "is_open": activity.is_open_for_applications(),
            "interested": member_interests(member=member, activity=activity),
        },
        status=status,
    )


def activity_detail(request, pk: int):
    return _detail_page(request, _public_activity(request, pk))


APPLIED_MESSAGES = {
    Application.Status.ACCEPTED: gettext_lazy("参加が決まりました。確認のメールをお送りしました。"),
    Application.Status.WAITLISTED: gettext_lazy(
        "満席のため、キャンセル待ちで受け付けました。繰り上がったらメールでお知らせします。"
    ),
}


@login_required
@require_POST
def activity_apply(request, pk: int):
    activity = _public_activity(request, pk)
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        return not_member_page(request)
    try:
        services.application_check_member(member=member)
    except ActivityError as error:
        messages.error(request, error.message)
        return redirect("activities:detail", pk=activity.pk)
    mine = selectors.member_live_applications(member=member, activity=activity)
    sessions = _open_sessions(activity, mine, include_full=True)
    form = ApplicationForm(request.POST, activity=activity, sessions=sessions)
    if form.is_valid():
        try:
            application = services.application_apply(
                session=form.cleaned_data["session"], member=member, answers=form.answers()
            )
        except ActivityError as error:
            form.add_error(None, error.message)
        else:
            if application.status in APPLIED_MESSAGES:
                message = APPLIED_MESSAGES[application.status]
            elif activity.selection == Activity.Selection.LOTTERY:
                message = _("応募を受け付けました。抽選の結果は締切後にメールでお知らせします。")
            else:
                message = _("応募を受け付けました。選考の結果はメールでお知らせします。")
            messages.success(request, message)
            return redirect("activities:my_applications")
    return _detail_page(request, activity, form=form)


def activity_ics(request, pk: int):
    activity = _public_activity(request, pk)
    url = request.build_absolute_uri(reverse("activities:detail", args=[activity.pk]))
    body = activity_ical(activity=activity, url=url, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="activity-{activity.pk}.ics"'
    return response


@login_required
def my_applications(request):
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        return not_member_page(request)
    return render(
        request,
        "activities/my_applications.html",
        {
            "applications": selectors.member_applications(member=member),
            "now": timezone.now(),
            "live": Application.LIVE,
        },
    )


@login_required
@require_POST
def my_application_cancel(request, pk: int):
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        raise Http404
    application = get_object_or_404(Application, pk=pk, member=member)
    try:
        services.application_cancel(application=application, by=request.user)
    except ActivityError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("キャンセルしました。"))
    return redirect("activities:my_applications")


# --- staff pages ----------------------------------------------------------------------------


def _staff_activity(request, pk: int) -> Activity:
    try:
        return selectors.staff_activity(activities=visible_activities(request), pk=pk)
    except Activity.DoesNotExist as error:
        raise Http404 from error


@staff_required(Perm.ACTIVITIES)
def staff_activity_list(request):
    status = request.GET.get("status", "")
    if status not in Activity.Status.values:
        status = ""
    activities = selectors.staff_activities(activities=visible_activities(request), status=status)
    page = Paginator(activities, settings.ENISHI_STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/staff_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Activity.Status.choices,
            "query": urlencode({"status": status}) if status else "",
        },
    )


def _activity_form_page(request, activity: Activity):
    data = request.POST if request.method == "POST" else None
    form = ActivityForm(
        data,
        instance=activity,
        community=request.community,
        organizers=visible_organizers(request),
    )
    sessions = SessionFormSet(data, instance=activity, prefix="sessions")
    questions = QuestionFormSet(data, instance=activity, prefix="questions")
    valid = data is not None and all([form.is_valid(), sessions.is_valid(), questions.is_valid()])
    if data is not None and not valid and not form.errors:
        form.add_error(None, _("日程または質問の入力内容を確認してください。"))
    if valid:
        try:
            saved = services.activity_save(
                activity=form.save(commit=False),
                topics=form.cleaned_data["topics"],
                wanted_skills=form.cleaned_data["wanted_skills"],
                sessions=sessions.save(commit=False),
                deleted_sessions=sessions.deleted_objects,
                questions=questions.save(commit=False),
                deleted_questions=questions.deleted_objects,
                by=request.user,
            )
        except ActivityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("活動を保存しました。"))
            return redirect("activities:staff_detail", pk=saved.pk)
    return render(
        request,
        "activities/staff_form.html",
        {"form": form, "sessions": sessions, "questions": questions, "activity": activity},
    )


@staff_required(Perm.ACTIVITIES)
def staff_activity_create(request):
    return _activity_form_page(request, Activity(community=request.community))


@staff_required(Perm.ACTIVITIES)
def staff_activity_edit(request, pk: int):
    return _activity_form_page(request, _staff_activity(request, pk))


@staff_required(Perm.ACTIVITIES)
@require_POST
def staff_activity_duplicate(request, pk: int):
    copy = services.activity_duplicate(activity=_staff_activity(request, pk), by=request.user)
    messages.success(request, _("コピーを下書きとして作りました。日程を見直してください。"))
    return redirect("activities:staff_edit", pk=copy.pk)


@staff_required(Perm.ACTIVITIES)
@require_POST
def staff_activity_status(request, pk: int):
    activity = _staff_activity(request, pk)
    status = request.POST.get("status", "")
    if status not in Activity.Status.values:
        raise Http404
    try:
        services.activity_set_status(activity=activity, status=status, by=request.user)
    except ActivityError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("状態を「%(status)s」にしました。") % {"status": Activity.Status(status).label},
        )
    return redirect("activities:staff_detail", pk=activity.pk)


def _session_panels(activity: Activity) -> list[dict]:
    """Each session with its applicants and, for a lottery, its latest draw."""
    sessions = list(selectors.sessions_with_taken().filter(activity=activity))
    by_session: dict[int, list[Application]] = {s.pk: [] for s in sessions}
    for application in selectors.activity_applications(activity=activity):
        by_session[application.session_id].append(application)
    draws: dict[int, LotteryDraw] = {}
    for draw in LotteryDraw.objects.filter(session__activity=activity).order_by("-drawn_at", "-pk"):
        draws.setdefault(draw.session_id, draw)
    panels = []
    for session in sessions:
        draw = draws.get(session.pk)
        outcome = {}
        if draw is not None and draw.sent_at is None:
            for key, label in (
                ("accepted", _("当選")),
                ("waitlisted", _("補欠")),
                ("rejected", _("落選")),
            ):
                outcome |= dict.fromkeys(draw.result.get(key, []), label)
        panels.append(
            {
                "session": session,
                "applications": [(a, outcome.get(a.pk, "")) for a in by_session[session.pk]],
                "draw": draw,
            }
        )
    return panels


@staff_required(Perm.ACTIVITIES)
def staff_activity_detail(request, pk: int, form: DecisionForm | None = None):
    activity = _staff_activity(request, pk)
    panels = _session_panels(activity)
    audit_request(
        request,
        action=AuditEvent.Action.APPLICANT_LIST,
        row_count=sum(len(panel["applications"]) for panel in panels),
        detail={"activity": activity.pk},
    )
    return render(
        request,
        "activities/staff_detail.html",
        {
            "activity": activity,
            "panels": panels,
            "form": form or DecisionForm(activity=activity),
            "transitions": services.ACTIVITY_TRANSITIONS.get(activity.status, set()),
            "statuses": Activity.Status,
            "is_lottery": activity.selection == Activity.Selection.LOTTERY,
            "window_closed": timezone.now() >= activity.closes_at,
        },
    )


@staff_required(Perm.ACTIVITIES)
@require_POST
def staff_applications_decide(request, pk: int):
    """Bulk decisions (the ticked applicants), or one applicant by the row's own button."""
    activity = _staff_activity(request, pk)
    form = DecisionForm(request.POST, activity=activity)
    if not form.is_valid():
        return staff_activity_detail(request, pk, form=form)
    try:
        done = services.applications_decide(
            applications=form.cleaned_data["applications"],
            decision=form.cleaned_data["decision"],
            by=request.user,
            message=form.cleaned_data["message"],
        )
    except ActivityError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)d人の応募を更新しました。") % {"count": done})
    return redirect("activities:staff_detail", pk=activity.pk)


STAFF_ACTIONS = {
    "cancel": services.application_cancel,
    "attended": services.application_mark_attended,
    "no_show": services.application_mark_no_show,
}


@staff_required(Perm.ACTIVITIES)
@require_POST
def staff_application_action(request, pk: int, application_pk: int, action: str):
    """One applicant at a time, by the buttons on their row: a decision (with the message
    typed in the form, if any), a cancellation on their behalf, attendance or absence."""
    activity = _staff_activity(request, pk)
    application = get_object_or_404(Application, pk=application_pk, session__activity=activity)
    try:
        if action in services.DECISIONS:
            message = request.POST.get("message", "")[:2000]
            services.DECISIONS[action](application=application, by=request.user, message=message)
        elif action in STAFF_ACTIONS:
            STAFF_ACTIONS[action](application=application, by=request.user)
        else:
            raise Http404
    except ActivityError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("応募を更新しました。"))
    return redirect("activities:staff_detail", pk=activity.pk)


@staff_required(Perm.ACTIVITIES)
@require_POST
def staff_lottery(request, pk: int):
    """Draw (or draw again) for every session, or send the results of the latest draws."""
    activity = _staff_activity(request, pk)
    action = request.POST.get("action")
    if action not in ("draw", "send"):
        raise Http404
    service = services.lottery_draw if action == "draw" else services.lottery_send
    try:
        for session in activity.sessions.all():
            service(session=session, by=request.user)
    except ActivityError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("抽選しました。結果を確認してから「結果を送る」を押してください。")
            if action == "draw"
            else _("抽選結果を確定し、応募者にメールを送りました。"),
        )
    return redirect("activities:staff_detail", pk=activity.pk)


@staff_required(Perm.ACTIVITIES)
@require_POST
def staff_applicants_export(request, pk: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    activity = _staff_activity(request, pk)
    applications = selectors.activity_applications(activity=activity)
    audit_request(
        request,
        action=AuditEvent.Action.APPLICANT_EXPORT,
        row_count=applications.count(),
        detail={"format": fmt, "activity": activity.pk},
    )
    filename = f"applicants-{activity.pk}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.applicants_csv(activity, applications), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        exports.applicants_xlsx(activity, applications),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@staff_required(Perm.ACTIVITIES)
def staff_checkin_list(request, pk: int):
    """A printable list of who is coming, per session, to tick at the door."""
    activity = _staff_activity(request, pk)
    applications = (
        selectors.activity_applications(activity=activity)
        .filter(status__in=[Application.Status.ACCEPTED, Application.Status.ATTENDED])
        .order_by("session__starts_at", "session_id", "member__search_kana", "pk")
    )
    sessions: dict[int, dict] = {}
    for application in applications:
        entry = sessions.setdefault(
            application.session_id, {"session": application.session, "applications": []}
        )
        entry["applications"].append(application)
    audit_request(
        request,
        action=AuditEvent.Action.CHECKIN_LIST,
        row_count=sum(len(s["applications"]) for s in sessions.values()),
        detail={"activity": activity.pk},
    )
    return render(
        request,
        "activities/checkin_list.html",
        {"activity": activity, "sessions": list(sessions.values())},
    )
