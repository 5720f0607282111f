"""Invitation links, attribution through the real registration flow, rewards by rule, flags."""

import re

import pytest
from django.core import mail

from enishi.activities import services as activity_services
from enishi.ledger.models import Engagement, Kind
from enishi.ledger.services import engagement_record
from enishi.members.models import Member
from enishi.members.services import member_withdraw
from enishi.privacy.models import AuditEvent
from enishi.promotion.models import Referral
from enishi.promotion.services import mailbox_key
from tests.activities.factories import SessionFactory
from tests.factories import MemberFactory, UserFactory, staff_user
from tests.members.helpers import join, post, register_and_verify


@pytest.fixture
def ambassador(community):
    return MemberFactory(
        community=community, referral_code="IGAKUN2345", nickname="伊賀くノ一",
        user=UserFactory(email="kunoichi@example.jp"),
    )  # fmt: skip


def promotion_entries(member):
    return list(
        Engagement.objects.filter(member=member, kind=Kind.PROMOTION).order_by("pk")
    )


def test_me_and_card_show_the_invitation_link_and_its_qr(client, ambassador):
    client.force_login(ambassador.user)
    for url in ("/me/", "/me/card/"):
        page = client.get(url).content.decode()
        assert "http://testserver/join/?ref=IGAKUN2345" in page
        assert "<svg" in page and "招待リンクのQRコード" in page
        assert "IGAKUN2345" in page


def test_the_link_fills_in_the_code_on_the_registration_form(client, ambassador):
    page = client.get("/join/?ref=IGAKUN2345").content.decode()
    assert re.search(r'name="referral_code"[^>]*value="IGAKUN2345"', page)


def test_registration_through_the_link_rewards_the_referrer_once_on_verification(
    client, ambassador
):
    register_and_verify(client, email="friend@example.jp", referral_code="igakun2345")
    invited = Member.objects.get(user__email="friend@example.jp")
    assert invited.status == Member.Status.ACTIVE
    assert invited.referred_by == ambassador
    referral = Referral.objects.get(invited=invited)
    assert referral.referrer == ambassador and referral.flag == ""
    assert referral.address_hash and "127.0.0.1" not in referral.address_hash
    [entry] = promotion_entries(ambassador)
    assert (entry.points, entry.source_type, entry.source_id) == (10, "referral_verified",
                                                                  invited.pk)  # fmt: skip
    # Signing in again (which also activates pending memberships) gives nothing more.
    client.logout()
    post(client, "/accounts/login/", {"login": "friend@example.jp",
                                       "password": "ninja-in-tokyo-2026"})  # fmt: skip
    assert len(promotion_entries(ambassador)) == 1
    page = (client.force_login(ambassador.user), client.get("/me/"))[1].content.decode()
    assert "あなたの紹介で登録した人：1人" in page


def test_the_first_attendance_of_the_invited_member_rewards_the_referrer_once(
    client, ambassador, community
):
    register_and_verify(client, email="friend@example.jp", referral_code="IGAKUN2345")
    invited = Member.objects.get(user__email="friend@example.jp")
    staff = staff_user(community)
    for _ in range(2):
        session = SessionFactory()
        application = activity_services.application_apply(session=session, member=invited)
        activity_services.application_mark_attended(application=application, by=staff)
    sources = [e.source_type for e in promotion_entries(ambassador)]
    assert sources == ["referral_verified", "referral_attended"]
    # The invited member's own attendance is theirs, not a promotion.
    assert not promotion_entries(invited)


def test_an_unknown_code_or_a_withdrawn_members_code_is_refused_with_a_message(
    client, ambassador
):
    response = join(client, email="a@example.jp", referral_code="NOSUCHCODE")
    assert response.status_code == 200
    assert "この紹介コードは見つかりませんでした。" in response.content.decode()
    assert not Member.objects.filter(user__email="a@example.jp").exists()
    member_withdraw(member=ambassador)
    response = join(client, email="b@example.jp", referral_code="IGAKUN2345")
    assert "この紹介コードは見つかりませんでした。" in response.content.decode()
    assert not Referral.objects.exists()


def test_an_existing_member_cannot_be_referred(client, ambassador, community):
    existing = MemberFactory(community=community, user=UserFactory(email="old@example.jp"))
    client.force_login(existing.user)
    response = client.get("/join/?ref=IGAKUN2345")
    assert response.status_code == 302 and response["Location"] == "/me/"
    client.logout()
    mail.outbox.clear()
    response = join(client, email="old@example.jp", referral_code="IGAKUN2345")
    assert response.status_code == 302  # the same answer as a new address…
    assert Member.objects.filter(user__email="old@example.jp").count() == 1  # …but nothing new
    assert not Referral.objects.exists()
    existing.refresh_from_db()
    assert existing.referred_by is None


def test_self_referral_is_flagged_and_not_rewarded(client, ambassador):
    register_and_verify(client, email="kunoichi+iga@example.jp", referral_code="IGAKUN2345")
    referral = Referral.objects.get(invited__user__email="kunoichi+iga@example.jp")
    assert referral.flag == Referral.Flag.SELF
    assert not promotion_entries(ambassador)


def test_a_referral_loop_is_flagged(client, ambassador, community):
    # The ambassador invited B; the ambassador, under another address, registers with B's code.
    invited_b = MemberFactory(community=community, referral_code="BBBBBBBB22",
                              referred_by=ambassador)  # fmt: skip
    Referral.objects.create(community=community, referrer=ambassador, invited=invited_b)
    register_and_verify(client, email="kunoichi+two@example.jp", referral_code="BBBBBBBB22")
    referral = Referral.objects.get(invited__user__email="kunoichi+two@example.jp")
    assert referral.flag == Referral.Flag.LOOP
    assert not promotion_entries(invited_b)


def test_mass_sign_ups_from_one_address_are_flagged_beyond_the_limit(client, ambassador):
    for n in range(4):
        client.logout()
        register_and_verify(client, email=f"bulk{n}@example.jp", referral_code="IGAKUN2345",
                            REMOTE_ADDR="203.0.113.7")  # fmt: skip
    flags = list(Referral.objects.order_by("pk").values_list("flag", flat=True))
    assert flags == ["", "", "", Referral.Flag.MASS]
    assert len(promotion_entries(ambassador)) == 3


def test_a_withdrawn_referrer_is_not_rewarded(client, ambassador):
    join(client, email="late@example.jp", referral_code="IGAKUN2345")
    member_withdraw(member=ambassador)
    from tests.members.helpers import confirmation_link

    post(client, confirmation_link("late@example.jp"))
    assert Member.objects.get(user__email="late@example.jp").status == Member.Status.ACTIVE
    assert not Engagement.objects.filter(kind=Kind.PROMOTION).exists()


def test_mailbox_key_ignores_case_tags_and_gmail_dots():
    assert mailbox_key("Hanako.Iga+news@Gmail.com") == "hanakoiga@gmail.com"
    assert mailbox_key("hanako+x@example.jp") == "hanako@example.jp"
    assert mailbox_key("ha.na@example.jp") == "ha.na@example.jp"


def test_staff_see_ambassadors_flags_and_each_members_referrals(client, ambassador, community):
    for n in range(2):
        referral_member = MemberFactory(community=community, referred_by=ambassador,
                                        given_name=f"招待{n}")  # fmt: skip
        Referral.objects.create(community=community, referrer=ambassador,
                                invited=referral_member, flag="mass" if n else "")  # fmt: skip
    engagement_record(member=ambassador, kind=Kind.PROMOTION, points=10, note="SNS")
    engagement_record(member=ambassador, kind=Kind.PROMOTION, points=20, note="SNS")
    admin = staff_user(community)
    client.force_login(admin)
    response = client.get("/staff/referrals/")
    [row] = response.context["board"]
    assert (row.invited_count, row.flagged_count, row.promotion_points) == (1, 1, 30)
    page = response.content.decode()
    assert ambassador.full_name in page
    assert "同じ接続元からの大量登録" in page
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_LIST).count() == 1
    detail = client.get(f"/staff/members/{ambassador.pk}/").content.decode()
    assert f'href="/staff/referrals/{ambassador.pk}/"' in detail
    page = client.get(f"/staff/referrals/{ambassador.pk}/").content.decode()
    assert "伊賀 招待0" in page and "伊賀 招待1" in page
    event = AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_LIST).order_by(
        "-sequence"
    )[0]
    assert event.member == ambassador and event.row_count == 2


def test_the_staff_leaderboard_query_count_does_not_grow(
    client, community, django_assert_max_num_queries
):
    for _ in range(5):
        referrer = MemberFactory(community=community)
        for _ in range(2):
            invited = MemberFactory(community=community, referred_by=referrer)
            Referral.objects.create(community=community, referrer=referrer, invited=invited)
    client.force_login(staff_user(community))
    with django_assert_max_num_queries(20):
        assert client.get("/staff/referrals/").status_code == 200


def test_the_public_board_shows_nicknames_and_members_may_opt_out(client, ambassador, community):
    shy = MemberFactory(community=community, nickname="", given_name="無名")
    for referrer in (ambassador, shy):
        invited = MemberFactory(community=community, referred_by=referrer)
        Referral.objects.create(community=community, referrer=referrer, invited=invited)
    page = client.get("/ambassadors/").content.decode()
    assert "伊賀くノ一" in page
    assert shy.given_name not in page and ambassador.full_name not in page
    client.force_login(ambassador.user)
    response = post(client, "/me/ambassador/", {})
    assert response.status_code == 302
    assert "伊賀くノ一" not in client.get("/ambassadors/").content.decode()
    assert 'id="id_public"' in client.get("/me/").content.decode()
    post(client, "/me/ambassador/", {"public": "on"})
    assert "伊賀くノ一" in client.get("/ambassadors/").content.decode()
