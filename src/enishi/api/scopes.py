"""What a staff token may do. A scope works only while the token's owner still holds a staff
role whose permissions include the scope's `Perm` (communities.permissions decides)."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from enishi.communities.permissions import Perm


class Scope(StrEnum):
    MEMBERS_READ = "members:read"
    APPLICATIONS_READ = "applications:read"
    APPLICATIONS_WRITE = "applications:write"
    ENGAGEMENTS_WRITE = "engagements:write"
    DONATIONS_WRITE = "donations:write"


SCOPE_PERMS: dict[Scope, Perm] = {
    Scope.MEMBERS_READ: Perm.MEMBERS_VIEW,
    Scope.APPLICATIONS_READ: Perm.ACTIVITIES,
    Scope.APPLICATIONS_WRITE: Perm.ACTIVITIES,
    Scope.ENGAGEMENTS_WRITE: Perm.MEMBERS_MANAGE,
    Scope.DONATIONS_WRITE: Perm.DONATIONS,
}

SCOPE_LABELS = {
    Scope.MEMBERS_READ: _("会員の検索と閲覧"),
    Scope.APPLICATIONS_READ: _("応募の閲覧"),
    Scope.APPLICATIONS_WRITE: _("応募の状態の変更（確定・見送り・参加など）"),
    Scope.ENGAGEMENTS_WRITE: _("関わりの記録の追加（外部のチェックインなど）"),
    Scope.DONATIONS_WRITE: _("ふるさと納税の寄附の登録（ポータルなどからの連携）"),
}
