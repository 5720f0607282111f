"""Who may do what, and which rows they may see. Views ask here; nothing else decides.

A staff login has one `StaffRole` per community. The role grants a set of permissions
(`ROLE_PERMISSIONS`); `staff_required(permission)` guards a view and puts the role on
`request.staff_role`. Rows an organizer's staff may see are narrowed here too
(`visible_activities`, `visible_members`), so a view that asks for them cannot forget to.
"""

from enum import StrEnum
from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .models import Community, StaffRole


class Perm(StrEnum):
    INSIGHTS = "insights.view"  # aggregate figures only
    MEMBERS_VIEW = "members.view"  # personal data: list, detail (organizers: their applicants)
    MEMBERS_EXPORT = "members.export"
    MEMBERS_MANAGE = "members.manage"  # designate 担い手, correct the ledger
    ACTIVITIES = "activities.manage"  # organizers: their own activities and applicants
    CHECKIN = "checkin.run"
    CONFIGURE = "community.configure"  # word lists, ranks, points
    STAFF_MANAGE = "staff.manage"  # give and take staff roles
    AUDIT = "audit.view"
    MAILINGS = "mailings.send"
    SHOPS_MANAGE = "shops.manage"
    SHOP_REDEEM = "shop.redeem"  # the /shop/ counter
    DONATIONS = "donations.manage"
    CONTENT = "content.publish"  # the SNS post queue, campaigns, reports and news


Role = StaffRole.Role

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm) - {Perm.SHOP_REDEEM},
    Role.ORGANIZER: frozenset(
        {Perm.INSIGHTS, Perm.MEMBERS_VIEW, Perm.MEMBERS_EXPORT, Perm.ACTIVITIES, Perm.CHECKIN}
    ),
    Role.VIEWER: frozenset({Perm.INSIGHTS}),
    Role.SHOP: frozenset({Perm.SHOP_REDEEM}),
}

# Permissions that reach people's personal data: the login must have a second factor first.
PERSONAL_DATA = frozenset(Perm) - {Perm.INSIGHTS, Perm.SHOP_REDEEM, Perm.CONFIGURE}


def staff_role(user, community: Community | None) -> StaffRole | None:
    """The user's role in this community's staff, or None. Superusers are admins everywhere."""
    if community is None or not user.is_authenticated or not user.is_active:
        return None
    # Asked by the view and again by the page layout: remember the answer for this request.
    cache = user.__dict__.setdefault("_enishi_staff_role", {})
    if community.pk not in cache:
        role = (
            StaffRole.objects.select_related("organizer")
            .filter(user=user, community=community)
            .first()
        )
        if role is None and user.is_superuser:
            role = StaffRole(user=user, community=community, role=Role.ADMIN)
        cache[community.pk] = role
    return cache[community.pk]


def permissions_of(user, community: Community | None) -> frozenset[Perm]:
    role = staff_role(user, community)
    return ROLE_PERMISSIONS[role.role] if role else frozenset()


def has_perm(user, community: Community | None, permission: Perm) -> bool:
    return permission in permissions_of(user, community)


def is_community_staff(user, community: Community | None) -> bool:
    """Any staff role (the staff menu link); pages still ask for their own permission."""
    return staff_role(user, community) is not None


def needs_second_factor(user, permission: Perm) -> bool:
    """Personal data is out of reach until the login has enrolled a second factor."""
    return (
        permission in PERSONAL_DATA
        and settings.ENISHI_STAFF_MFA_REQUIRED
        and not is_mfa_enabled(user)
    )


def staff_required(permission: Perm):
    """Guard a staff view: sign in first, then only staff whose role grants `permission`, and
    for personal data only with a second factor enrolled."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_perm(request.user, request.community, permission):
                raise PermissionDenied
            if needs_second_factor(request.user, permission):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('communities:staff_security')}?{query}")
            request.staff_role = staff_role(request.user, request.community)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def organizer_scope(request):
    """The organizer an organizer's staff member works for; None for roles that see everything."""
    role = staff_role(request.user, request.community)
    if role is not None and role.role == Role.ORGANIZER:
        return role.organizer
    return None


def visible_organizers(request) -> QuerySet:
    """The organizers this staff member may run activities for."""
    role = staff_role(request.user, request.community)
    organizers = request.community.organizers.all()
    if role is None:
        return organizers.none()
    if role.role == Role.ORGANIZER:
        return organizers.filter(pk=role.organizer_id)
    return organizers


def visible_activities(request, queryset: QuerySet | None = None) -> QuerySet:
    """The community's activities this staff member may manage."""
    from enishi.activities.models import Activity

    queryset = Activity.objects.all() if queryset is None else queryset
    queryset = queryset.filter(community=request.community)
    role = staff_role(request.user, request.community)
    if role is None:
        return queryset.none()
    if role.role == Role.ORGANIZER:
        return queryset.filter(organizer=role.organizer_id)
    return queryset


def visible_members(request, queryset: QuerySet | None = None) -> QuerySet:
    """The members whose personal data this staff member may see: organizers' staff see only
    people who applied to one of their organizer's activities."""
    from enishi.activities.models import Application
    from enishi.members.models import Member

    queryset = Member.objects.all() if queryset is None else queryset
    queryset = queryset.filter(community=request.community)
    role = staff_role(request.user, request.community)
    if role is None or Perm.MEMBERS_VIEW not in ROLE_PERMISSIONS[role.role]:
        return queryset.none()
    if role.role == Role.ORGANIZER:
        applicants = Application.objects.filter(
            session__activity__organizer=role.organizer_id
        ).values("member_id")
        return queryset.filter(pk__in=applicants)
    return queryset
