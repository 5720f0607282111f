"""Reads of activities and applications used by more than one view."""

from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from enishi.communities.models import Community
from enishi.members.models import Member

from .models import Activity, ActivitySession, Application

PUBLIC_STATUSES = (Activity.Status.PUBLISHED, Activity.Status.CLOSED)


def _upcoming(now: datetime) -> Q:
    return Q(anytime=True) | Q(starts_at__gte=now)


def sessions_with_taken() -> QuerySet[ActivitySession]:
    """Sessions with `taken` (places held) counted in the same query."""
    return ActivitySession.objects.annotate(
        taken=Count("applications", filter=Q(applications__status__in=Application.TAKING_PLACE))
    )


def _taken_subquery():
    return Coalesce(
        Subquery(
            Application.objects.filter(session=OuterRef("pk"), status__in=Application.TAKING_PLACE)
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def public_activities(*, community: Community, filters: dict) -> QuerySet[Activity]:
    """Activities visitors can find: published (or closed) ones with a session still to come
    or open-ended, soonest first, with their upcoming sessions and topics prefetched."""
    now = timezone.now()
    upcoming = ActivitySession.objects.filter(_upcoming(now), activity=OuterRef("pk"))
    qs = Activity.objects.filter(Exists(upcoming), community=community, status__in=PUBLIC_STATUSES)
    if filters.get("small_jobs"):
        qs = qs.filter(is_small_job=True)
    if okaeshi := filters.get("okaeshi"):
        qs = qs.filter(okaeshi=okaeshi)
    if use := filters.get("use"):
        qs = qs.filter(use=use)
    if topic := filters.get("topic"):
        qs = qs.filter(topics=topic)
    if place := filters.get("place"):
        qs = qs.filter(place_kind=place)
    if month := filters.get("month"):
        start, end = month
        qs = qs.filter(
            Exists(
                ActivitySession.objects.filter(activity=OuterRef("pk")).filter(
                    Q(anytime=True) | Q(starts_at__gte=max(start, now), starts_at__lt=end)
                )
            )
        )
    if filters.get("has_places"):
        with_places = upcoming.annotate(taken=_taken_subquery()).filter(
            Q(capacity__isnull=True) | Q(capacity__gt=F("taken"))
        )
        qs = qs.filter(Exists(with_places))
    next_start = (
        ActivitySession.objects.filter(activity=OuterRef("pk"), starts_at__gte=now)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    return (
        qs.annotate(next_start=Subquery(next_start))
        .select_related("organizer")
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=sessions_with_taken().filter(_upcoming(now)),
                to_attr="upcoming_sessions",
            ),
            "topics",
        )
        .order_by(F("next_start").asc(nulls_last=True), "-pk")
    )


def public_activity(*, community: Community, pk: int, include_drafts: bool = False) -> Activity:
    """One activity as its public page shows it (drafts only for staff); raises DoesNotExist."""
    statuses = [*PUBLIC_STATUSES, Activity.Status.ARCHIVED]
    if include_drafts:
        statuses.append(Activity.Status.DRAFT)
    return (
        Activity.objects.select_related("organizer", "community")
        .prefetch_related(
            Prefetch("sessions", queryset=sessions_with_taken()),
            "topics",
            "wanted_skills",
            "questions",
        )
        .get(community=community, pk=pk, status__in=statuses)
    )


def member_applications(*, member: Member) -> QuerySet[Application]:
    """A member's applications, newest first, with their place on the waiting list."""
    ahead = (
        Application.objects.filter(
            session=OuterRef("session"),
            status=Application.Status.WAITLISTED,
            waitlist_position__lt=OuterRef("waitlist_position"),
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Application.objects.filter(member=member)
        .select_related("session__activity")
        .annotate(waitlist_ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), 0))
        .order_by("-created_at", "-pk")
    )


def member_live_applications(
    *, member: Member | None, activity: Activity
) -> dict[int, Application]:
    """The member's live (not cancelled) applications to an activity, by session id."""
    if member is None:
        return {}
    return {
        a.session_id: a
        for a in Application.objects.filter(member=member, session__activity=activity).exclude(
            status=Application.Status.CANCELLED
        )
    }


def staff_activities(*, activities: QuerySet[Activity], status: str = "") -> QuerySet[Activity]:
    """Activities for the staff list (already scoped to the staff member), applicants counted."""
    qs = activities
    if status:
        qs = qs.filter(status=status)
    S = Application.Status
    counted = {
        name: Count("sessions__applications", filter=Q(sessions__applications__status=value))
        for name, value in (
            ("n_applied", S.APPLIED),
            ("n_accepted", S.ACCEPTED),
            ("n_waitlisted", S.WAITLISTED),
            ("n_attended", S.ATTENDED),
        )
    }
    first_start = (
        ActivitySession.objects.filter(activity=OuterRef("pk"))
        .order_by(F("starts_at").asc(nulls_last=True))
        .values("starts_at")[:1]
    )
    return (
        qs.annotate(**counted, first_start=Subquery(first_start))
        .select_related("organizer")
        .order_by("-created_at", "-pk")
    )


def staff_activity(*, activities: QuerySet[Activity], pk: int) -> Activity:
    """One activity of those the staff member may manage; raises DoesNotExist."""
    return activities.select_related("organizer", "community").get(pk=pk)


def activity_applications(*, activity: Activity) -> QuerySet[Application]:
    """Every application to an activity with the applicant's profile summary prefetched."""
    return (
        Application.objects.filter(session__activity=activity)
        .select_related("session", "member__user")
        .prefetch_related("member__ties", "member__skills")
        .order_by("session__starts_at", "session_id", "status", "waitlist_position", "pk")
    )
