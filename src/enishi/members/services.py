"""Every write to members, with its side effects."""

import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from enishi.communities.models import Community
from enishi.core.postal import lookup_postal_code
from enishi.ledger.models import Kind
from enishi.ledger.services import engagement_record
from enishi.privacy.models import Consent

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
    "address_line", "phone", "tie_other", "skills_text", "channel", *PROFILE_CHOICE_FIELDS,
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
    *, community: Community, user, profile: dict, referral_code: str = "", newsletter: bool
) -> Member:
    """Create a pending membership with its profile and consents. It becomes active (and gets
    its number) when the email address is verified."""
    member = Member(
        community=community,
        user=user,
        referral_code=new_referral_code(),
        card_key=secrets.token_urlsafe(24),
    )
    if referral_code:
        member.referred_by = Member.objects.filter(
            community=community, referral_code=referral_code
        ).first()
    _apply_profile(member, profile)
    member.save()
    _replace_choices(member, profile)
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
        member_activate(member=member)
    return member


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


@transaction.atomic
def member_activate(*, member: Member, joined_at=None) -> Member:
    """Give a verified member their number (joining now, or at `joined_at` for imported or
    demo members). Safe to call again."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != Member.Status.PENDING:
        return member
    member.number = _next_member_number(member.community)
    member.status = Member.Status.ACTIVE
    member.joined_at = joined_at or timezone.now()
    member.save(update_fields=["number", "status", "joined_at", "updated_at"])
    engagement_record(member=member, kind=Kind.REGISTRATION, source_type="registration",
                      source_id=member.pk, occurred_at=member.joined_at)  # fmt: skip
    return member


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
def member_withdraw(*, member: Member) -> Member:
    """Withdraw: erase what identifies the person, keep what statistics need (prefecture,
    birth decade, gender, ties, interests, channel, counts), retire the number, stop the mail
    and, when nothing else needs it, close the login and what it left behind."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == Member.Status.WITHDRAWN:
        return member
    user = member.user
    closes_login = withdrawal_closes_login(member=member)
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
    Consent.objects.create(
        member=member,
        purpose=Consent.Purpose.NEWSLETTER_EMAIL,
        granted=False,
        version=member.community.privacy_policy_version,
        source="withdrawal",
    )
    if closes_login:
        _close_login(user)
    return member


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
