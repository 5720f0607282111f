import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from .permissions import is_community_staff
from .selectors import community_for_host

LAST_SEEN_KEY = "enishi.last_seen"


def current_community(get_response):
    """Sets `request.community`: the one place a request's tenant is decided."""

    def middleware(request):
        request.community = SimpleLazyObject(lambda: community_for_host(request.get_host()))
        return get_response(request)

    return middleware


def staff_idle_timeout(get_response):
    """A staff member's session ends after ENISHI_STAFF_IDLE_TIMEOUT seconds without a request
    of theirs. A page refreshing itself (htmx polling) does not count as activity."""

    def middleware(request):
        if request.user.is_authenticated and is_community_staff(request.user, request.community):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.ENISHI_STAFF_IDLE_TIMEOUT:
                logout(request)
                messages.info(
                    request, _("しばらく操作がなかったため、安全のためログアウトしました。")
                )
                return redirect_to_login(request.get_full_path())
            polling = request.htmx and request.method == "GET"
            # Written at most once a minute, so an active session is not saved on every click.
            if not polling and (last_seen is None or now - last_seen >= 60):
                request.session[LAST_SEEN_KEY] = now
        return get_response(request)

    return middleware
