import time

from django.contrib.auth import user_logged_in
from django.dispatch import receiver

from .middleware import LAST_SEEN_KEY


@receiver(user_logged_in)
def start_idle_clock(sender, request, user, **kwargs):
    """The staff idle timeout counts from the sign-in."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())
