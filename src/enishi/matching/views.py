from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enishi.activities.models import Activity
from enishi.activities.selectors import public_activity
from enishi.communities.permissions import (
    Perm,
    has_perm,
    staff_required,
    visible_activities,
    visible_members,
)
from enishi.core.text import search_normalize
from enishi.mailings.selectors import condition_q, reachable_members
from enishi.members.models import Member
from enishi.members.selectors import member_for_user
from enishi.members.views import not_member_page
from enishi.privacy.models import AuditEvent
from enishi.privacy.services import audit_request

from . import engine, selectors, services
from .forms import InvitationForm, ScoutForm


def _filtered(request, form: ScoutForm):
    members = visible_members(request).filter(status=Member.Status.ACTIVE)
    today = timezone.localdate()
    for key, value in form.conditions().items():
        q = condition_q(community=request.community, key=key, value=value, today=today)
        if q is not None:
            members = members.filter(q)
    return members


def _rows(result: engine.ScoutResult, reachable: set[int]) -> list[dict]:
    rows = []
    for match, member in zip(result.matches, result.members, strict=True):
        terms = match.terms | {search_normalize(t) for t in match.tags}
        rows.append(
            {
                "member": member,
                "match": match,
                "skills": [(t.name, t.name in match.tags) for t in member.skills.all()],
                "topics": [(t.name, t.name in match.tags) for t in member.topics.all()],
                "excerpt": engine.highlight(member.skills_text, terms) if member.skills_text
                else "",
                "reachable": member.pk in reachable,
            }
        )  # fmt: skip
    return rows


@staff_required(Perm.MEMBERS_VIEW)
def scout(request):
    """Find members for a need. A POST (the need may name a person, so it stays out of the
    URL and the logs); `action=invite` sends the invitation for the ticked results, with
    the search fields carried along so the same results come back with any error."""
    form = ScoutForm(request.POST or None, community=request.community)
    can_invite = has_perm(request.user, request.community, Perm.MAILINGS)
    context = {"form": form, "can_invite": can_invite}
    if request.method == "POST" and form.is_valid():
        result = engine.scout(
            community=request.community, need=form.parsed, members=_filtered(request, form)
        )
        audit_request(
            request,
            action=AuditEvent.Action.SCOUT_SEARCH,
            row_count=len(result.members),
            detail={"need": form.parsed.text[:200], "filters": form.conditions(),
                    "semantic": result.semantic},
        )  # fmt: skip
        reachable = set(
            reachable_members(community=request.community)
            .filter(pk__in=[m.pk for m in result.members])
            .values_list("pk", flat=True)
        )
        invite = None
        if can_invite:
            invite = InvitationForm(
                request.POST if request.POST.get("action") == "invite" else None,
                community=request.community,
                activities=visible_activities(request),
                member_choices=[(pk, pk) for pk in sorted(reachable)],
            )
            if invite.is_bound and invite.is_valid():
                sent = services.invitations_send(
                    activity=invite.cleaned_data["activity"],
                    members=Member.objects.filter(pk__in=invite.cleaned_data["members"]),
                    topic=invite.cleaned_data["topic"],
                    subject=invite.cleaned_data["subject"],
                    body=invite.cleaned_data["body"],
                    by=request.user,
                )
                if sent:
                    messages.success(
                        request, _("%(count)d人に招待メールを送りました。") % {"count": sent}
                    )
                else:
                    messages.info(request, _("選んだ会員はすでにこの活動に招待済みです。"))
                return redirect("matching:scout")
        context |= {
            "result": result,
            "rows": _rows(result, reachable),
            "invite": invite,
            "filters": form.conditions(),
        }
    return render(request, "matching/scout.html", context)


@login_required
@require_POST
def interest(request, pk: int):
    """The member's 「興味あり」 on an activity, marked or unmarked."""
    member = member_for_user(community=request.community, user=request.user)
    if member is None or member.status != Member.Status.ACTIVE:
        return not_member_page(request)
    try:
        activity = public_activity(community=request.community, pk=pk)
    except Activity.DoesNotExist as error:
        raise Http404 from error
    interested = request.POST.get("interested") == "1"
    services.interest_set(member=member, activity=activity, interested=interested)
    messages.success(
        request,
        _("「興味あり」にしました。締切が近づいたらお知らせします。")
        if interested
        else _("「興味あり」を外しました。"),
    )
    return redirect("activities:detail", pk=activity.pk)


@staff_required(Perm.ACTIVITIES)
def staff_interested(request, pk: int):
    """Who marked 興味あり on one of the staff member's activities; admins may invite them."""
    try:
        activity = visible_activities(request).get(pk=pk)
    except Activity.DoesNotExist as error:
        raise Http404 from error
    rows = selectors.interested_members(
        activity=activity, members=Member.objects.filter(community=request.community)
    )
    audit_request(
        request,
        action=AuditEvent.Action.INTEREST_LIST,
        row_count=len(rows),
        detail={"activity": activity.pk},
    )
    can_invite = has_perm(request.user, request.community, Perm.MAILINGS)
    invite, reachable = None, set()
    if can_invite:
        reachable = set(
            reachable_members(community=request.community)
            .filter(pk__in=[i.member_id for i, _applied in rows])
            .values_list("pk", flat=True)
        )
        invite = InvitationForm(
            request.POST or None,
            community=request.community,
            activities=visible_activities(request).filter(pk=activity.pk),
            member_choices=[(pk, pk) for pk in sorted(reachable)],
            initial={"activity": activity},
        )
        if request.method == "POST" and invite.is_valid():
            sent = services.invitations_send(
                activity=activity,
                members=Member.objects.filter(pk__in=invite.cleaned_data["members"]),
                topic=invite.cleaned_data["topic"],
                subject=invite.cleaned_data["subject"],
                body=invite.cleaned_data["body"],
                by=request.user,
            )
            messages.success(request, _("%(count)d人に招待メールを送りました。") % {"count": sent})
            return redirect("matching:staff_interested", pk=activity.pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "matching/staff_interested.html",
        {
            "activity": activity,
            "rows": [
                (interest, applied, interest.member_id in reachable)
                for interest, applied in rows
            ],
            "invite": invite,
        },
    )
