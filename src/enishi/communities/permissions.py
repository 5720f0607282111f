"""Who may do what. Views ask here; nothing else decides."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import Community, StaffRole


def is_community_staff(user, community: Community | None) -> bool:
    if community is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # Asked by the view and again by the page layout: remember the answer for this request.
    cache = user.__dict__.setdefault("_enishi_staff_of", {})
    if community.pk not in cache:
        cache[community.pk] = StaffRole.objects.filter(user=user, community=community).exists()
    return cache[community.pk]


def staff_required(view):
    """Staff pages: sign in first, then only this community's staff get through."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_community_staff(request.user, request.community):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
