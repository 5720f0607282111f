"""受付 pages: the staff's phone at the door, the venue screen, and a member's own scan."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enishi.communities.permissions import Perm, staff_required, visible_activities
from enishi.core.qr import qr_svg
from enishi.donations.forms import WalkInForm
from enishi.donations.models import ContactAttendance
from enishi.donations.services import contact_walk_in
from enishi.ledger.selectors import member_standing
from enishi.members.models import Member
from enishi.members.selectors import member_for_user

from . import checkin
from .models import ActivitySession, Application

# The staff member's browser remembers which session they are checking people in to (for the
# day only), so a member card scanned with the phone's camera (which opens /card/<token>/)
# lands here. The outcome of each check-in is shown once on the desk after a redirect, so a
# reload or the counter's polling never repeats it.
CHECKIN_SESSION_KEY = "enishi.checkin_session"
CHECKIN_RESULT_KEY = "enishi.checkin_result"


def _session(request, pk: int) -> ActivitySession:
    return get_object_or_404(
        ActivitySession.objects.select_related("activity__community"),
        pk=pk,
        activity__in=visible_activities(request),
    )


def _counts(session: ActivitySession) -> dict:
    statuses = list(session.applications.values_list("status", flat=True))
    attended = statuses.count(Application.Status.ATTENDED)
    return {
        "attended": attended,
        "expected": attended + statuses.count(Application.Status.ACCEPTED),
        "walk_in_contacts": ContactAttendance.objects.filter(session=session).count(),
    }


def _show_on_desk(request, session, result: checkin.CheckinResult):
    request.session[CHECKIN_RESULT_KEY] = {
        "outcome": result.outcome,
        "member": result.member.pk if result.member else None,
    }
    return redirect("activities:checkin_desk", pk=session.pk)


def _last_result(request) -> checkin.CheckinResult | None:
    stored = request.session.pop(CHECKIN_RESULT_KEY, None)
    if not stored:
        return None
    member = Member.objects.filter(pk=stored["member"]).first() if stored["member"] else None
    application = (
        checkin.live_application(session_pk=request.resolver_match.kwargs["pk"], member=member)
        if member
        else None
    )
    return checkin.CheckinResult(stored["outcome"], member, application)


@staff_required(Perm.CHECKIN)
def desk(request, pk: int):
    """The check-in desk: type a number, or scan cards with the phone's camera."""
    session = _session(request, pk)
    request.session[CHECKIN_SESSION_KEY] = {"pk": session.pk, "day": str(timezone.localdate())}
    if request.htmx and request.GET.get("counts"):
        return render(request, "activities/checkin/desk.html#counts",
                      {"session": session, "counts": _counts(session)})  # fmt: skip
    if request.method == "POST":
        member = checkin.find_member_by_number(
            session=session, number=request.POST.get("number", "")
        )
        result = (
            checkin.checkin_member(session=session, member=member, by=request.user)
            if member
            else checkin.CheckinResult("unknown_member")
        )
        return _show_on_desk(request, session, result)
    return _desk(request, session, _last_result(request))


def _desk(request, session, result, walk_in_form=None, status=200):
    return render(request, "activities/checkin/desk.html", {
        "session": session,
        "activity": session.activity,
        "counts": _counts(session),
        "result": result,
        "standing": member_standing(member=result.member) if result and result.member else None,
        "walk_in_form": walk_in_form or WalkInForm(community=request.community),
    }, status=status)  # fmt: skip


@staff_required(Perm.CHECKIN)
def card(request, pk: int, token: str):
    """Where a scanned member card leads while the staff member is at a desk."""
    session = _session(request, pk)
    result = checkin.checkin_by_card(session=session, token=token, by=request.user)
    return _show_on_desk(request, session, result)


@staff_required(Perm.CHECKIN)
@require_POST
def walk_in(request, pk: int):
    session = _session(request, pk)
    member_pk = request.POST.get("member", "")
    if not member_pk.isdigit():
        raise Http404
    member = get_object_or_404(Member, pk=member_pk, community=request.community)
    result = checkin.checkin_walk_in(session=session, member=member, by=request.user)
    return _show_on_desk(request, session, result)


@staff_required(Perm.CHECKIN)
@require_POST
def walk_in_contact(request, pk: int):
    """Someone who has not registered came: recorded as a contact's attendance (it becomes
    theirs when they join). A member is checked in by number instead."""
    session = _session(request, pk)
    form = WalkInForm(request.POST, community=request.community)
    if not form.is_valid():
        return _desk(request, session, None, walk_in_form=form, status=400)
    contact_walk_in(session=session, data=form.cleaned_data, existing=form.existing,
                    by=request.user)  # fmt: skip
    messages.success(request, _("%(name)s さんの当日参加を記録しました（未登録）。")
                     % {"name": form.cleaned_data["name"]})  # fmt: skip
    return redirect("activities:checkin_desk", pk=session.pk)


@staff_required(Perm.CHECKIN)
@require_POST
def close(request, pk: int):
    """受付を終える: scanned cards no longer check anyone in to this session."""
    session = _session(request, pk)
    request.session.pop(CHECKIN_SESSION_KEY, None)
    return redirect("activities:staff_detail", pk=session.activity_id)


@staff_required(Perm.CHECKIN)
def display(request, pk: int):
    """The venue screen: a code members scan with their own phones (renewed every 30 s)."""
    session = _session(request, pk)
    url = request.build_absolute_uri(
        reverse("activities:self_checkin", args=[checkin.self_checkin_token(session=session)])
    )
    context = {"session": session, "activity": session.activity, "counts": _counts(session),
               "qr": qr_svg(url, title=_("受付用QRコード"))}  # fmt: skip
    template = (
        "activities/checkin/display.html#code"
        if request.htmx
        else "activities/checkin/display.html"
    )
    return render(request, template, context)


@login_required
def self_checkin(request, token: str):
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        raise Http404(_("このコミュニティの会員登録はありません。"))
    session, result = checkin.checkin_self(token=token, member=member)
    status = 200 if result.ok else 400
    return render(request, "activities/checkin/self.html",
                  {"session": session, "result": result}, status=status)  # fmt: skip


def card_scanned_at_desk(request, token: str):
    """Used by the member card check page: a staff member at today's desk is sent on to check
    the member in."""
    desk_open = request.session.get(CHECKIN_SESSION_KEY)
    if not isinstance(desk_open, dict) or desk_open.get("day") != str(timezone.localdate()):
        return None
    return redirect("activities:checkin_card", pk=desk_open["pk"], token=token)
