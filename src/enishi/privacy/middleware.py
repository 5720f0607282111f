from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .signals import CONSENT_NEEDED_KEY

# Pages a member may open before agreeing: the question itself, the texts it is about,
# leaving (signing out, withdrawing, taking their data with them) and the assets.
ALLOWED_NAMES = (
    "privacy:consent", "terms", "privacy", "account_logout",
    "members:withdraw", "members:data_json", "members:data_csv",
)  # fmt: skip


def consent_gate(get_response):
    """A member asked at sign-in to agree to a changed policy sees that question first."""

    def middleware(request):
        if request.session.get(CONSENT_NEEDED_KEY) and request.user.is_authenticated:
            allowed = {reverse(name) for name in ALLOWED_NAMES}
            if request.path not in allowed and not request.path.startswith("/static/"):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('privacy:consent')}?{query}")
        return get_response(request)

    return middleware
