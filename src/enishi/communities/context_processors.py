from django.utils.functional import SimpleLazyObject

from .permissions import is_community_staff


def community(request):
    community = getattr(request, "community", None)
    return {
        "community": community,
        "is_community_staff": SimpleLazyObject(lambda: is_community_staff(request.user, community)),
    }
