"""受付: marking people attended at a session, by their member card or by a code they scan.

Both ways end in `services.application_mark_attended`, which records the ledger entry once;
checking in twice is harmless and says so.
"""

from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from enishi.core.text import to_half_width_ascii
from enishi.members.models import Member
from enishi.members.services import card_token_check

from . import services
from .models import ActivitySession, Application, ApplicationEvent

Status = Application.Status
SELF_CHECKIN_SALT = "enishi.activities.self-checkin"
# The venue screen shows a new code every 30 seconds; a code works for three minutes, so a
# photo of the screen sent to someone at home stops working quickly.
SELF_CHECKIN_MAX_AGE = 180

OUTCOMES = {
    "checked_in": _("受付しました。"),
    "already": _("すでに受付済みです。"),
    "walk_in": _("当日参加として受付しました。"),
    "not_accepted": _("この回の参加が確定していません。"),
    "full": _("定員に達しているため、当日参加を受け付けられません。"),
    "not_applied": _("この回への応募がありません。"),
    "other_community": _("このコミュニティの会員証ではありません。"),
    "unknown_member": _("その会員番号の会員は見つかりませんでした。"),
    "expired": _("QRコードの有効期限が切れています。画面を開き直してください。"),
    "invalid": _("QRコードを読み取れませんでした。"),
    "inactive": _("この会員証は現在使えません。"),
}
SUCCESS = {"checked_in", "already", "walk_in"}


@dataclass(frozen=True)
class CheckinResult:
    outcome: str
    member: Member | None = None
    application: Application | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in SUCCESS

    @property
    def message(self):
        return OUTCOMES[self.outcome]


def live_application(*, session_pk: int, member: Member) -> Application | None:
    """The member's application to a session that still stands (not cancelled)."""
    return (
        Application.objects.filter(session_id=session_pk, member=member)
        .exclude(status=Status.CANCELLED)
        .order_by("-pk")
        .first()
    )


def checkin_member(*, session: ActivitySession, member: Member, by) -> CheckinResult:
    """Mark a member attended at a session if their place there is confirmed."""
    if member.community_id != session.activity.community_id:
        return CheckinResult("other_community")
    if member.status != Member.Status.ACTIVE:
        return CheckinResult("inactive", member)
    application = live_application(session_pk=session.pk, member=member)
    if application is None:
        return CheckinResult("not_applied", member)
    if application.status == Status.ATTENDED:
        return CheckinResult("already", member, application)
    if application.status != Status.ACCEPTED:
        return CheckinResult("not_accepted", member, application)
    application = services.application_mark_attended(application=application, by=by)
    return CheckinResult("checked_in", member, application)


@transaction.atomic
def checkin_walk_in(*, session: ActivitySession, member: Member, by) -> CheckinResult:
    """A member who came without a confirmed place, let in by staff on the spot: their
    application (new, or the one waiting) is accepted and marked attended."""
    result = checkin_member(session=session, member=member, by=by)
    if result.outcome not in ("not_applied", "not_accepted"):
        return result
    application = result.application
    if application is None:
        application = Application.objects.create(
            session=session, member=member, status=Status.APPLIED, answers=[]
        )
        ApplicationEvent.objects.create(
            application=application, from_status="", to_status=Status.APPLIED, by=by,
            message=str(_("当日参加")),
        )  # fmt: skip
    if application.status not in (Status.APPLIED, Status.WAITLISTED):
        return CheckinResult("not_accepted", member, application)
    try:
        # Capacity holds at the door too: a full session takes no walk-ins.
        application = services.application_accept(
            application=application, by=by, message=str(_("当日参加"))
        )
    except services.ActivityError as error:
        if error.code == "full":
            return CheckinResult("full", member, application)
        raise
    application = services.application_mark_attended(application=application, by=by)
    return CheckinResult("walk_in", member, application)


def checkin_by_card(*, session: ActivitySession, token: str, by) -> CheckinResult:
    """Staff scanned a member card's QR code."""
    card = card_token_check(token=token)
    if card.member is None:
        return CheckinResult(card.problem)
    return checkin_member(session=session, member=card.member, by=by)


def find_member_by_number(*, session: ActivitySession, number: str) -> Member | None:
    """A member number typed by hand: 全角 and lower case are fine, the prefix may be left out."""
    number = to_half_width_ascii(number).strip().upper()[:20]
    community = session.activity.community
    if number.isascii() and number.isdigit():
        number = f"{community.member_number_prefix}-{int(number):06d}"
    return Member.objects.filter(community=community, number=number).first()


def self_checkin_token(*, session: ActivitySession) -> str:
    """The code the venue screen shows. It names the session only, and expires quickly."""
    return signing.dumps({"s": session.pk}, salt=SELF_CHECKIN_SALT)


def checkin_self(*, token: str, member: Member) -> tuple[ActivitySession | None, CheckinResult]:
    """A member scanned the venue's code with their own phone."""
    try:
        data = signing.loads(token, salt=SELF_CHECKIN_SALT, max_age=SELF_CHECKIN_MAX_AGE)
    except signing.SignatureExpired:
        return None, CheckinResult("expired", member)
    except signing.BadSignature:
        return None, CheckinResult("invalid", member)
    session = (
        ActivitySession.objects.select_related("activity__community")
        .filter(pk=data.get("s") if isinstance(data, dict) else None)
        .first()
    )
    if session is None:
        return None, CheckinResult("invalid", member)
    return session, checkin_member(session=session, member=member, by=member.user)
