from django.utils.functional import SimpleLazyObject

from .selectors import community_for_host


def current_community(get_response):
    """Sets `request.community`: the one place a request's tenant is decided."""

    def middleware(request):
        request.community = SimpleLazyObject(lambda: community_for_host(request.get_host()))
        return get_response(request)

    return middleware
