"""Bearer tokens for the API: who is calling, and whether their token may do this."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from enishi.communities.permissions import ROLE_PERMISSIONS, staff_role
from enishi.members.models import Member

from .models import ApiToken, token_hash
from .scopes import SCOPE_PERMS, Scope


def _token(request, raw: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user", "member")
        .filter(key_hash=token_hash(raw), community=request.community, revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    # The permission helpers (visible_members …) and the services read request.user.
    request.user = token.user
    return token


class StaffToken(HttpBearer):
    """A staff token holding `scope`, whose owner's role still grants the scope's permission."""

    def __init__(self, scope: Scope):
        self.scope = scope
        super().__init__()

    def authenticate(self, request, token):
        found = _token(request, token)
        if found is None:
            return None
        if found.kind != ApiToken.Kind.STAFF or self.scope not in found.scopes:
            message = _("このトークンには必要な権限（%(scope)s）がありません。")
            raise AuthorizationError(message=message % {"scope": self.scope})
        role = staff_role(found.user, request.community)
        if role is None or SCOPE_PERMS[self.scope] not in ROLE_PERMISSIONS[role.role]:
            message = _("トークンの持ち主の役割では、この操作はできません。")
            raise AuthorizationError(message=message)
        return found


class MemberToken(HttpBearer):
    """A member's own token: only while they are an active member of this community."""

    def authenticate(self, request, token):
        found = _token(request, token)
        if found is None:
            return None
        if found.kind != ApiToken.Kind.MEMBER:
            raise AuthorizationError(message=_("会員のトークンが必要です。"))
        if found.member.status != Member.Status.ACTIVE:
            return None
        return found


class _SettingsRate:
    """Read the rate from settings at each request, so a deployment (or a test) can change it."""

    setting = ""

    def allow_request(self, request) -> bool:
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    setting = "ENISHI_API_RATE_ANONYMOUS"


class TokenThrottle(_SettingsRate, AuthRateThrottle):
    setting = "ENISHI_API_RATE_TOKEN"
