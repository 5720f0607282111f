"""Issuing and revoking API tokens; both are audited."""

import secrets

from django.db import transaction
from django.utils import timezone

from enishi.communities.models import Community
from enishi.members.models import Member
from enishi.privacy.models import AuditEvent
from enishi.privacy.services import audit_record

from .models import ApiToken, token_hash
from .scopes import Scope

PREFIX = "enishi_"


def _audit(token: ApiToken, *, by, what: str, ip_address: str | None) -> None:
    audit_record(
        actor=by,
        community=token.community,
        action=AuditEvent.Action.API_TOKEN,
        ip_address=ip_address,
        member=token.member,
        row_count=1,
        detail={"token": token.prefix, "kind": token.kind, "what": what,
                "scopes": token.scopes},
    )  # fmt: skip


@transaction.atomic
def token_issue(
    *,
    community: Community,
    user,
    name: str,
    scopes: list[Scope] | None = None,
    member: Member | None = None,
    ip_address: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token for a staff login (with scopes) or for a member (their own data). Returns
    the row and the token itself, which is never stored and shown only this once. A member has
    one token at a time: issuing revokes the one before."""
    raw = PREFIX + secrets.token_urlsafe(32)
    if member is not None:
        for old in ApiToken.objects.filter(member=member, revoked_at__isnull=True):
            token_revoke(token=old, by=user, ip_address=ip_address)
    token = ApiToken.objects.create(
        community=community,
        kind=ApiToken.Kind.MEMBER if member is not None else ApiToken.Kind.STAFF,
        user=user,
        member=member,
        name=name,
        prefix=raw[: len(PREFIX) + 6],
        key_hash=token_hash(raw),
        scopes=sorted(str(s) for s in scopes or []),
    )
    _audit(token, by=user, what="issued", ip_address=ip_address)
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, by, ip_address: str | None = None) -> ApiToken:
    """Stop a token from working (the row stays, so the audit log can still name it)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _audit(token, by=by, what="revoked", ip_address=ip_address)
    return token
