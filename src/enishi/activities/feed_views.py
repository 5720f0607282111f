"""Calendar feeds: the public one of upcoming activities, and a member's private one of their
accepted applications behind a secret URL (managed at /me/calendar/)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from enishi.members.models import Member
from enishi.members.selectors import member_for_user
from enishi.members.views import not_member_page

from . import services
from .ical import activities_ical, applications_ical
from .models import ActivitySession, Application, CalendarFeed
from .selectors import PUBLIC_STATUSES

# The public feed covers this far ahead; calendar apps poll it, so it stays small.
FEED_DAYS = 180
FEED_LIMIT = 500


def _calendar_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _host(request) -> str:
    return request.get_host().split(":")[0]


def _url_for(request):
    return lambda activity: request.build_absolute_uri(
        reverse("activities:detail", args=[activity.pk])
    )


def public_feed(request):
    """Every dated session to come of the community's published activities (one query)."""
    now = timezone.now()
    sessions = (
        ActivitySession.objects.filter(
            activity__community=request.community,
            activity__status__in=PUBLIC_STATUSES,
            anytime=False,
            starts_at__gte=now,
            starts_at__lt=now + timedelta(days=FEED_DAYS),
        )
        .select_related("activity")
        .order_by("starts_at", "pk")[:FEED_LIMIT]
    )
    body = activities_ical(
        community=request.community,
        sessions=sessions,
        url_for=_url_for(request),
        host=_host(request),
        title=_("%(name)s の活動") % {"name": request.community.name},
    )
    return _calendar_response(body, "activities.ics")


def member_feed(request, key: str):
    """The member's accepted applications; the key in the URL is the only credential."""
    feed = (
        CalendarFeed.objects.select_related("member")
        .filter(
            key_hash=services.calendar_key_hash(key),
            member__community=request.community,
            member__status=Member.Status.ACTIVE,
        )
        .first()
    )
    if feed is None:
        raise Http404
    applications = (
        Application.objects.filter(
            member=feed.member,
            status__in=(Application.Status.ACCEPTED, Application.Status.ATTENDED),
        )
        .select_related("session__activity")
        .order_by("session__starts_at", "pk")[:FEED_LIMIT]
    )
    body = applications_ical(
        community=request.community,
        applications=applications,
        url_for=_url_for(request),
        host=_host(request),
        title=_("%(name)s：参加が決まった活動") % {"name": request.community.name},
    )
    response = _calendar_response(body, "my-activities.ics")
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
def my_calendar(request):
    """Issue (or replace) and revoke the member's private feed URL; shown once when issued."""
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        return not_member_page(request)
    feed_url = None
    if request.method == "POST":
        if member.status != Member.Status.ACTIVE:
            raise Http404
        key = services.calendar_feed_issue(member=member)
        feed_url = request.build_absolute_uri(reverse("activities:member_feed", args=[key]))
    has_feed = CalendarFeed.objects.filter(member=member).exists()
    return render(
        request,
        "activities/my_calendar.html",
        {"member": member, "feed_url": feed_url, "has_feed": has_feed},
    )


@login_required
@require_POST
def my_calendar_revoke(request):
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        return not_member_page(request)
    services.calendar_feed_revoke(member=member)
    messages.success(request, _("カレンダーの購読URLを無効にしました。"))
    return redirect("activities:my_calendar")
