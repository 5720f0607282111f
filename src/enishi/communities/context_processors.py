from django.utils.functional import SimpleLazyObject

from .permissions import is_community_staff, permissions_of


def community(request):
    community = getattr(request, "community", None)
    return {
        "community": community,
        "is_community_staff": SimpleLazyObject(lambda: is_community_staff(request.user, community)),
        # The permission names (permissions.Perm values) the signed-in staff member holds here.
        "staff_perms": SimpleLazyObject(lambda: permissions_of(request.user, community)),
    }
