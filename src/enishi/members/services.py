"""Every write to members, with its side effects."""

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, F, OuterRef, ProtectedError, QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from enishi.communities.models import Community
from enishi.core.postal import lookup_postal_code
from enishi.insights import summaries
from enishi.ledger.models import Kind
from enishi.ledger.services import engagement_record
from enishi.privacy.models import AuditEvent, Consent
from enishi.privacy.services import audit_record

from .models import Member, MemberTie, MemberUse

REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
CARD_TOKEN_SALT = "enishi.members.card"


def new_referral_code() -> str:
    """A member's own code for inviting friends: 10 characters of 32 letters (50 bits), so
    codes do not collide even with millions of members."""
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(10))


# What a member's profile is, as the registration and profile forms hand it over.
PROFILE_CHOICE_FIELDS = ("ties", "uses", "topics", "skills")
PROFILE_FIELDS = (
    "family_name", "given_name", "family_name_kana", "given_name_kana", "nickname",
    "birth_year", "birth_month", "gender", "postal_code", "prefecture_code", "city",
    "address_line", "phone", "tie_other", "skills_text", "availability", "online_ok", "channel",
    *PROFILE_CHOICE_FIELDS,
)  # fmt: skip


def _apply_profile(member: Member, profile: dict) -> None:
    for field in PROFILE_FIELDS:
        if field not in PROFILE_CHOICE_FIELDS:
            setattr(member, field, profile[field])
    member.gender = profile["gender"] or Member._meta.get_field("gender").default
    member.birth_decade = profile["birth_year"] // 10 * 10
    address = lookup_postal_code(profile["postal_code"])
    member.municipality_code = address.municipality_code if address else ""
    member.search_name = f"{member.family_name}{member.given_name}"
    member.search_kana = f"{member.family_name_kana}{member.given_name_kana}"
    if "other" not in profile["ties"]:
        member.tie_other = ""


def _replace_choices(member: Member, profile: dict) -> None:
    MemberTie.objects.filter(member=member).delete()
    MemberTie.objects.bulk_create(MemberTie(member=member, tie=t) for t in profile["ties"])
    MemberUse.objects.filter(member=member).delete()
    MemberUse.objects.bulk_create(MemberUse(member=member, use=u) for u in profile["uses"])
    member.topics.set(profile["topics"])
    member.skills.set(profile["skills"])


@transaction.atomic
def member_register(
    *,
    community: Community,
    user,
    profile: dict,
    referral_code: str = "",
    newsletter: bool,
    ip_address: str | None = None,
    invitation: str = "",
) -> Member:
    """Create a pending membership with its profile and consents. It becomes active (and gets
    its number) when the email address is verified. `invitation` is the signed token of a
    contact's invitation link: that contact is merged into the member once active."""
    member = Member(
        community=community,
        user=user,
        referral_code=new_referral_code(),
        card_key=secrets.token_urlsafe(24),
    )
    if referral_code:
        # A withdrawn or unverified member's code invites nobody.
        member.referred_by = Member.objects.filter(
            community=community, referral_code=referral_code, status=Member.Status.ACTIVE
        ).first()
    _apply_profile(member, profile)
    member.save()
    _replace_choices(member, profile)
    if member.referred_by is not None:
        from enishi.promotion.services import referral_record

        referral_record(invited=member, referrer=member.referred_by, ip_address=ip_address)
    answers = [
        (Consent.Purpose.TERMS, True, community.terms_version),
        (Consent.Purpose.PRIVACY_POLICY, True, community.privacy_policy_version),
        (Consent.Purpose.NEWSLETTER_EMAIL, newsletter, community.privacy_policy_version),
    ]
    Consent.objects.bulk_create(
        Consent(member=member, purpose=purpose, granted=granted, version=version, source="join")
        for purpose, granted, version in answers
    )
    if EmailAddress.objects.filter(user=user, verified=True).exists():
        member = member_activate(member=member)
    if invitation:
        from enishi.donations.services import contact_claim, invitation_contact

        if contact := invitation_contact(community=community, token=invitation):
            contact_claim(contact=contact, member=member)
    return member


@transaction.atomic
def member_join(
    *,
    community: Community,
    user,
    profile: dict,
    referral_code: str = "",
    newsletter: bool,
    ip_address: str | None = None,
    invitation: str = "",
) -> Member | None:
    """A login that already exists (a member of another community here, or staff) joins
    `community`: no second account. Active at once when its address is verified. None when
    the login already has a membership of this community."""
    # One at a time per community, as sign-ups are, so a double tap cannot add two rows.
    Community.objects.select_for_update().get(pk=community.pk)
    if Member.objects.filter(community=community, user=user).exists():
        return None
    return member_register(community=community, user=user, profile=profile,
                           referral_code=referral_code, newsletter=newsletter,
                           ip_address=ip_address, invitation=invitation)  # fmt: skip


def _next_member_number(community: Community) -> str:
    # The counter only moves forward, so a number is never handed out twice, even after
    # the member who had it withdrew.
    Community.objects.filter(pk=community.pk).update(
        next_member_sequence=F("next_member_sequence") + 1
    )
    sequence = (
        Community.objects.values_list("next_member_sequence", flat=True).get(pk=community.pk) - 1
    )
    return f"{community.member_number_prefix}-{sequence:06d}"


def _member_number_taken(community: Community, number: str) -> None:
    """An imported number in the community's own form (IGA-000123) moves the counter past it,
    so numbers issued later never collide with it."""
    match = re.fullmatch(rf"{re.escape(community.member_number_prefix)}-(\d+)", number)
    if match:
        sequence = int(match.group(1))
        Community.objects.filter(pk=community.pk, next_member_sequence__lte=sequence).update(
            next_member_sequence=sequence + 1
        )


@transaction.atomic
def member_activate(*, member: Member, joined_at=None, number: str | None = None) -> Member:
    """Give a verified member their number (joining now, or at `joined_at` for imported or
    demo members; an imported member keeps the `number` they had). Safe to call again."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != Member.Status.PENDING:
        return member
    if number:
        _member_number_taken(member.community, number)
        member.number = number
    else:
        member.number = _next_member_number(member.community)
    member.status = Member.Status.ACTIVE
    member.joined_at = joined_at or timezone.now()
    member.save(update_fields=["number", "status", "joined_at", "updated_at"])
    summaries.member_joined(member)
    engagement_record(member=member, kind=Kind.REGISTRATION, source_type="registration",
                      source_id=member.pk, occurred_at=member.joined_at)  # fmt: skip
    if member.referred_by_id is not None:
        from enishi.promotion.services import referral_reward

        referral_reward(invited=member, stage="verified")
    from enishi.donations.services import contacts_merge_claimed

    contacts_merge_claimed(member=member)  # a contact invited to join becomes this member
    return member


# What a roster from another system carries about a member (the registrations import).
ROSTER_FIELDS = (
    "family_name", "given_name", "family_name_kana", "given_name_kana", "birth_year",
    "birth_month", "postal_code", "prefecture_code", "city", "address_line",
)  # fmt: skip


def member_roster_apply(member: Member, roster: dict) -> None:
    """Set the roster fields given (and what enishi derives from them); not saved."""
    for field, value in roster.items():
        setattr(member, field, value)
    member.birth_decade = member.birth_year // 10 * 10 if member.birth_year else None
    address = lookup_postal_code(member.postal_code) if member.postal_code else None
    member.municipality_code = address.municipality_code if address else ""
    if not member.prefecture_code and address:
        member.prefecture_code = address.prefecture_code
    member.search_name = f"{member.family_name}{member.given_name}"
    member.search_kana = f"{member.family_name_kana}{member.given_name_kana}"


@transaction.atomic
def member_import(*, community: Community, user, number: str, roster: dict,
                  joined_at=None) -> Member:  # fmt: skip
    """A member of the municipality's previous system: active at once with the number they
    had, joined when they joined there, with the registration entry in the ledger every new
    member gets. No consent is invented: the newsletter waits until they opt in themselves."""
    member = Member(community=community, user=user, referral_code=new_referral_code(),
                    card_key=secrets.token_urlsafe(24))  # fmt: skip
    member_roster_apply(member, roster)
    member.save()
    return member_activate(member=member, joined_at=joined_at, number=number)


def member_activate_pending(*, user) -> None:
    """Activate every pending membership of a user whose email is now verified."""
    for member in Member.objects.filter(user=user, status=Member.Status.PENDING):
        member_activate(member=member)


@transaction.atomic
def member_update_profile(*, member: Member, profile: dict) -> Member:
    """Save the profile a member edited on /me/profile/ (number and consents stay)."""
    _apply_profile(member, profile)
    member.save()
    _replace_choices(member, profile)
    return member


def member_set_newsletter(*, member: Member, granted: bool, source: str = "me") -> Consent:
    """Record the member's answer about the newsletter by email (the global "marketing mail"
    flag: every mail topic list needs it); the latest answer counts."""
    return Consent.objects.create(
        member=member,
        purpose=Consent.Purpose.NEWSLETTER_EMAIL,
        granted=granted,
        version=member.community.privacy_policy_version,
        source=source,
    )


def withdrawal_closes_login(*, member: Member) -> bool:
    """Withdrawing closes the login too, unless it is still a member elsewhere or staff."""
    user = member.user
    return user is not None and not (
        user.memberships.exclude(pk=member.pk)
        .filter(status__in=[Member.Status.PENDING, Member.Status.ACTIVE])
        .exists()
        or user.staff_roles.exists()
    )


ERASED_ON_WITHDRAWAL = (
    "family_name", "given_name", "family_name_kana", "given_name_kana", "nickname",
    "search_name", "search_kana", "postal_code", "municipality_code", "city", "address_line",
    "phone", "tie_other", "skills_text",
)  # fmt: skip


@transaction.atomic
def member_withdraw(*, member: Member, ip_address: str | None = None) -> Member:
    """Withdraw: erase what identifies the person, keep what statistics need (prefecture,
    birth decade, gender, ties, interests, channel, counts), retire the number, stop the mail
    and, when nothing else needs it, close the login and what it left behind. Audited."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == Member.Status.WITHDRAWN:
        return member
    user = member.user
    closes_login = withdrawal_closes_login(member=member)
    _erase_member(member, source="withdrawal")
    if closes_login:
        _close_login(user)
    _audit_erasure(member, actor=user, ip_address=ip_address, reason="withdrawal",
                   login="closed" if closes_login else "kept")  # fmt: skip
    return member


def _erase_member(member: Member, *, source: str) -> None:
    """Withdrawal's erasure: personal data gone, statistics kept, the membership ended."""
    for field in ERASED_ON_WITHDRAWAL:
        setattr(member, field, "")
    member.birth_year = None
    member.birth_month = None
    member.card_key = secrets.token_urlsafe(24)
    member.status = Member.Status.WITHDRAWN
    member.withdrawn_at = timezone.now()
    member.user = None
    member.save()
    member.skills.clear()
    from enishi.promotion.services import member_promotion_erase

    member_promotion_erase(member=member)
    from enishi.donations.services import donations_erase_donor

    donations_erase_donor(member=member)
    Consent.objects.create(
        member=member,
        purpose=Consent.Purpose.NEWSLETTER_EMAIL,
        granted=False,
        version=member.community.privacy_policy_version,
        source=source,
    )


def unverified_expired(*, now=None) -> QuerySet[Member]:
    """Sign-ups whose email address was never verified, older than the retention period."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ENISHI_RETENTION_UNVERIFIED_DAYS)
    verified = EmailAddress.objects.filter(user=OuterRef("user"), verified=True)
    return (
        Member.objects.filter(status=Member.Status.PENDING, created_at__lt=cutoff)
        .exclude(Exists(verified))
        .order_by("pk")
    )


@transaction.atomic
def member_erase_unverified(*, member: Member, actor=None) -> bool:
    """Erase a sign-up whose address was never verified, as withdrawal erases (statistics
    stay, never counted as a member: it has no number nor join date), and delete its login
    unless another membership or a staff role still uses it (or a record that must stay
    names it: then it is closed as withdrawal closes it). Written to the audit log, by `actor`
    (None: the scheduled job).
    False when it no longer qualifies (verified meanwhile, or already gone)."""
    member = Member.objects.select_for_update().filter(pk=member.pk).first()
    if member is None or not unverified_expired().filter(pk=member.pk).exists():
        return False
    user = member.user
    created_at = member.created_at
    login = "closed" if withdrawal_closes_login(member=member) else "kept"
    _erase_member(member, source="retention")
    if login == "closed":
        _close_login(user)
        try:
            user.delete()
            login = "deleted"
        except ProtectedError:
            pass  # named in records that must stay (e.g. the audit log): closed, kept
    _audit_erasure(
        member,
        actor=actor,
        ip_address=None,
        reason="email_not_verified",
        retention_days=settings.ENISHI_RETENTION_UNVERIFIED_DAYS,
        registered_at=created_at.isoformat(),
        login=login,
    )
    return True


def _audit_erasure(member: Member, *, actor, ip_address: str | None, **detail) -> None:
    """Every erasure of a member's personal data is written to the audit log."""
    audit_record(actor=actor, community=member.community, action=AuditEvent.Action.MEMBER_ERASE,
                 member=member, row_count=1, ip_address=ip_address, detail=detail)  # fmt: skip


def _close_login(user) -> None:
    # Mails still queued, or kept as task results, carry the address and its links.
    if user.email:
        DBTaskResult.objects.filter(args_kwargs__icontains=user.email).delete()
    for session in UserSession.objects.filter(user=user):
        session.end()
    EmailAddress.objects.filter(user=user).delete()
    user.email = ""
    user.username = f"withdrawn-{user.pk}"
    user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


@dataclass(frozen=True)
class CardCheck:
    member: Member | None
    problem: str = ""  # "", "expired", "invalid" or "inactive"


def card_token_issue(*, member: Member, printed: bool = False) -> str:
    """An opaque, signed, expiring token for the member card's QR code. It carries only the
    card's random key and whether it was printed (printed cards live longer)."""
    return signing.dumps(
        {"k": member.card_key, "p": int(printed)}, salt=CARD_TOKEN_SALT, compress=True
    )


def card_token_check(*, token: str) -> CardCheck:
    """Resolve a card QR token to its member, or say why not (expired, invalid, inactive)."""
    try:
        data = signing.loads(
            token, salt=CARD_TOKEN_SALT, max_age=settings.ENISHI_CARD_PRINT_TOKEN_MAX_AGE
        )
    except signing.SignatureExpired:
        return CardCheck(member=None, problem="expired")
    except signing.BadSignature:
        return CardCheck(member=None, problem="invalid")
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        return CardCheck(member=None, problem="invalid")
    if not data.get("p"):
        try:
            signing.loads(
                token, salt=CARD_TOKEN_SALT, max_age=settings.ENISHI_CARD_SCREEN_TOKEN_MAX_AGE
            )
        except signing.SignatureExpired:
            return CardCheck(member=None, problem="expired")
    member = Member.objects.select_related("community").filter(card_key=data["k"]).first()
    if member is None or member.status != Member.Status.ACTIVE:
        return CardCheck(member=None, problem="inactive")
    return CardCheck(member=member)
