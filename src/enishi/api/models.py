import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community
from enishi.members.models import Member


def token_hash(token: str) -> str:
    """Tokens are 256 random bits, so one SHA-256 is enough to keep them unusable at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for /api/v1/: a staff login's (with scopes) or a member's own (their
    profile and ledger). Only its hash is stored; the token is shown once, when issued."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("職員")
        MEMBER = "member", _("会員")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens"
    )
    name = models.CharField(_("名前（用途）"), max_length=100)
    prefix = models.CharField(max_length=16)  # the first characters, to tell tokens apart
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="staff", member__isnull=True)
                | Q(kind="member", member__isnull=False),
                name="apitoken_member_only_for_member_tokens",
            ),
        ]

    def __str__(self):
        # The throttle keys requests by str(request.auth).
        return f"api-token-{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
