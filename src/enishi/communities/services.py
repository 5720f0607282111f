"""Writes to a community's configuration."""

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Community, Organizer, StaffRole, Tag


@transaction.atomic
def tags_save(*, community: Community, kind: str, tags: list[Tag]) -> None:
    """Save new and edited words of one list (topics or skills) of a community."""
    for tag in tags:
        tag.community = community
        tag.kind = kind
        tag.save()


class StaffRoleError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def audit_role_change(*, staff: StaffRole, by, ip_address, before: str, after: str) -> None:
    """Every change of a staff role (here and at the shops) is written to the audit log."""
    from enishi.privacy.models import AuditEvent
    from enishi.privacy.services import audit_record

    audit_record(
        actor=by,
        community=staff.community,
        action=AuditEvent.Action.ROLE_CHANGE,
        ip_address=ip_address,
        detail={"staff": staff.user.email, "before": before, "after": after},
    )


def _describe(staff: StaffRole | None) -> str:
    if staff is None:
        return ""
    return f"{staff.role}:{staff.organizer.name}" if staff.organizer_id else staff.role


def _check_an_admin_remains(community: Community, changing: StaffRole) -> None:
    if changing.role != StaffRole.Role.ADMIN:
        return
    others = community.staff_roles.filter(role=StaffRole.Role.ADMIN).exclude(pk=changing.pk)
    if not others.exists():
        raise StaffRoleError(_("コミュニティ管理者が一人もいなくなるため、変更できません。"))


def staff_login_for(email: str):
    """The login of this address, or a new one (address verified, no password: the person
    chooses one from a mailed link or signs in with a mailed code). Returns (user, created)."""
    from allauth.account.models import EmailAddress

    from enishi.core.models import User

    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is not None:
        return user, False
    email = email.strip().lower()
    user = User.objects.create_user(username=email, email=email, password=None)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


@transaction.atomic
def staff_role_set(
    *, community: Community, email: str, role: str, organizer: Organizer | None, by, ip_address
) -> tuple[StaffRole, bool]:
    """Give a login (made now, when the address has none) a role in the community's staff, or
    change the role it has. Returns the role and whether a new login was made (it is then sent
    a link to choose a password). Audited."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    if role != StaffRole.Role.ORGANIZER:
        organizer = None
    elif organizer is None or organizer.community_id != community.pk:
        raise StaffRoleError(_("主催団体の職員には、主催団体を選んでください。"))
    user, created = staff_login_for(email)
    staff = StaffRole.objects.filter(user=user, community=community).first()
    before = _describe(staff)
    if staff is None:
        staff = StaffRole(user=user, community=community)
    elif staff.role != role:
        _check_an_admin_remains(community, staff)
    staff.role, staff.organizer = role, organizer
    staff.save()
    after = _describe(staff)
    if before != after:
        audit_role_change(staff=staff, by=by, ip_address=ip_address, before=before, after=after)
    return staff, created


@transaction.atomic
def staff_role_remove(*, staff: StaffRole, by, ip_address) -> None:
    """Take a login's staff role away (the login itself stays). Audited."""
    Community.objects.select_for_update().get(pk=staff.community_id)
    _check_an_admin_remains(staff.community, staff)
    audit_role_change(staff=staff, by=by, ip_address=ip_address, before=_describe(staff), after="")
    staff.delete()
