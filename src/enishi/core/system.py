"""The actor enishi records for what it does on its own (scheduled jobs)."""

from django.contrib.auth.hashers import make_password

from .models import User

SYSTEM_USERNAME = "enishi-system"


def system_user() -> User:
    """A login nobody can use (inactive, no email, no password), named in the audit log as
    the one who ran a scheduled erasure."""
    user, _created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "email": "", "password": make_password(None)},
    )
    return user
