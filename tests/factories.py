import secrets

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.utils import timezone

from enishi.communities.models import Community, StaffRole
from enishi.core.models import User
from enishi.members.models import Member, MemberTie


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    slug = factory.Sequence(lambda n: f"town{n}")
    name = factory.Sequence(lambda n: f"町の衆{n}")
    municipality_name = "名張市"
    municipality_code = "24208"
    member_number_prefix = factory.Sequence(lambda n: f"T{n}")
    terms_version = "1.0"
    privacy_policy_version = "1.0"
    domain = factory.Sequence(lambda n: f"town{n}.example.jp")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        obj.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    community = factory.LazyFunction(lambda: Community.objects.get(slug="iga"))
    user = factory.SubFactory(UserFactory)
    status = Member.Status.ACTIVE
    number = factory.Sequence(lambda n: f"IGA-{900000 + n:06d}")
    family_name = "伊賀"
    given_name = factory.Sequence(lambda n: f"太郎{n}")
    family_name_kana = "イガ"
    given_name_kana = "タロウ"
    search_name = factory.LazyAttribute(lambda m: m.family_name + m.given_name)
    search_kana = factory.LazyAttribute(lambda m: m.family_name_kana + m.given_name_kana)
    birth_year = 1985
    birth_month = 4
    birth_decade = 1980
    postal_code = "1000001"
    prefecture_code = "13"
    municipality_code = "13101"
    city = "千代田区"
    referral_code = factory.LazyFunction(lambda: secrets.token_hex(4).upper())
    card_key = factory.LazyFunction(lambda: secrets.token_urlsafe(24))
    joined_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyAttribute(lambda m: m.joined_at or timezone.now())

    @factory.post_generation
    def ties(obj, create, extracted, **kwargs):
        if create:
            MemberTie.objects.bulk_create(
                MemberTie(member=obj, tie=t) for t in (extracted or ["birthplace"])
            )


def staff_user(
    community: Community, role: str = StaffRole.Role.ADMIN, organizer=None, **kwargs
) -> User:
    """A staff login with the given role, its second factor (TOTP) already enrolled."""
    user = UserFactory(**kwargs)
    StaffRole.objects.create(user=user, community=community, role=role, organizer=organizer)
    user.totp_secret = generate_totp_secret()  # for tests that sign in with a code
    TOTP.activate(user, user.totp_secret)
    return user


def totp_code(user) -> str:
    """The code the staff member's authenticator app would show now."""
    counters = list(yield_hotp_counters_from_time())  # the accepted ones, oldest first
    counter = counters[len(counters) // 2]  # now's: valid the longest
    return format_hotp_value(hotp_value(user.totp_secret, counter))
