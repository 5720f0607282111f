"""Every URL × every kind of visitor: who gets through and who is refused.

A new URL fails `test_every_url_has_an_entry` until it is added to MATRIX with the roles that
may use it. "Refused" means sent to sign in, 403, 404 (an object that is not theirs is not
found), or the "not a member here" page; anything else counts as getting through.
"""

from dataclasses import dataclass
from datetime import date

import pytest
from django.core import signing
from django.urls import URLPattern, URLResolver, get_resolver

from enishi.activities import checkin, services
from enishi.activities.models import Activity
from enishi.activities.services import calendar_feed_issue
from enishi.api.scopes import Scope
from enishi.api.services import token_issue
from enishi.communities.models import Organizer, StaffRole
from enishi.core.models import ImportRecord
from enishi.donations.messages import OPT_OUT_SALT
from enishi.donations.models import Contact, Donation, MatchReview
from enishi.ledger.services import engagement_record
from enishi.mailings.messages import unsubscribe_token
from enishi.mailings.models import Mailing, Segment
from enishi.members.models import Use
from enishi.members.services import card_token_issue
from enishi.promotion.models import Campaign
from enishi.promotion.services import post_submit
from enishi.shops.models import RewardAchievement
from enishi.shops.services import spot_token
from tests.activities.factories import SessionFactory
from tests.factories import CommunityFactory, MemberFactory, UserFactory, staff_user
from tests.news.factories import ReportFactory, report_photo
from tests.shops.factories import BenefitFactory, RewardFactory, SpotFactory, clerk

ROLES = [
    "anonymous",
    "member",  # an active member here, who applied to organizer A's activity
    "outsider",  # a member of another community only
    "other_admin",  # the administrator of another community
    "admin",
    "organizer_a",  # staff of organizer A, who runs the activity
    "organizer_b",  # staff of organizer B
    "viewer",
    "shop",
]
EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
MEMBER = {"member"}
ADMIN = {"admin"}
ACTIVITY_STAFF = {"admin", "organizer_a"}  # the activity belongs to organizer A
ANY_ACTIVITY_STAFF = {"admin", "organizer_a", "organizer_b"}
FIGURES = {"admin", "organizer_a", "organizer_b", "viewer"}
STAFF = {"admin", "organizer_a", "organizer_b", "viewer", "shop"}
SHOP = {"shop"}


@dataclass(frozen=True)
class Entry:
    path: str  # formatted with the world's ids
    allowed: frozenset
    method: str = "get"
    data: tuple = ()  # a POST's fields, formatted with the world's ids too


def E(path, allowed, method="get", **data):
    return Entry(path, frozenset(allowed), method, tuple(data.items()))


MATRIX = {
    "home": E("/", EVERYONE),
    "terms": E("/terms/", EVERYONE),
    "privacy": E("/privacy/", EVERYONE),
    "join": E("/join/", EVERYONE),
    "healthz": E("/healthz", EVERYONE),
    "postal_query": E("/postal/?postal_code=5180873", EVERYONE),
    "postal": E("/postal/5180873", EVERYONE),
    "members:me": E("/me/", MEMBER),
    "members:profile": E("/me/profile/", MEMBER),
    "members:mail": E("/me/mail/", MEMBER),
    "members:data_json": E("/me/data.json", MEMBER),
    "members:data_csv": E("/me/data.csv", MEMBER),
    "members:withdraw": E("/me/withdraw/", MEMBER),
    "members:card": E("/me/card/", MEMBER),
    "members:card_pdf": E("/me/card.pdf", MEMBER),
    "members:card_check": E("/card/{card_token}/", EVERYONE),
    "members:staff_list": E("/staff/members/", ANY_ACTIVITY_STAFF),
    "members:staff_detail": E("/staff/members/{member}/", ACTIVITY_STAFF),
    "members:staff_export": E("/staff/members/export.csv", ANY_ACTIVITY_STAFF, "post"),
    "ledger:certificate": E("/me/certificate.pdf", MEMBER),
    "ledger:designate_carrier": E("/staff/members/{member}/carrier/", ADMIN, "post"),
    "activities:list": E("/activities/", EVERYONE),
    "activities:jobs": E("/jobs/", EVERYONE),
    "activities:detail": E("/activities/{activity}/", EVERYONE),
    "activities:apply": E("/activities/{activity}/apply/", MEMBER, "post", session="{session}"),
    "activities:ics": E("/activities/{activity}.ics", EVERYONE),
    "activities:my_applications": E("/me/applications/", MEMBER),
    "activities:cancel": E("/me/applications/{application}/cancel/", MEMBER, "post"),
    "activities:staff_list": E("/staff/activities/", ANY_ACTIVITY_STAFF),
    "activities:staff_create": E("/staff/activities/new/", ANY_ACTIVITY_STAFF),
    "activities:staff_detail": E("/staff/activities/{activity}/", ACTIVITY_STAFF),
    "activities:staff_edit": E("/staff/activities/{activity}/edit/", ACTIVITY_STAFF),
    "activities:staff_duplicate": E(
        "/staff/activities/{activity}/duplicate/", ACTIVITY_STAFF, "post"
    ),
    "activities:staff_status": E(
        "/staff/activities/{activity}/status/", ACTIVITY_STAFF, "post", status="closed"
    ),
    "activities:decide": E("/staff/activities/{activity}/decide/", ACTIVITY_STAFF, "post"),
    "activities:application_action": E(
        "/staff/activities/{activity}/applications/{application}/accept/", ACTIVITY_STAFF, "post"
    ),
    "activities:lottery": E(
        "/staff/activities/{lottery_activity}/lottery/", ACTIVITY_STAFF, "post", action="draw"
    ),
    "activities:export": E("/staff/activities/{activity}/export.csv", ACTIVITY_STAFF, "post"),
    "activities:checkin_list": E("/staff/activities/{activity}/checkin-list/", ACTIVITY_STAFF),
    "activities:checkin_desk": E("/staff/checkin/{session}/", ACTIVITY_STAFF),
    "activities:checkin_card": E("/staff/checkin/{session}/card/{card_token}/", ACTIVITY_STAFF),
    "activities:checkin_walk_in": E(
        "/staff/checkin/{session}/walk-in/", ACTIVITY_STAFF, "post", member="{member}"
    ),
    "activities:checkin_walk_in_contact": E(
        "/staff/checkin/{session}/walk-in/contact/", ACTIVITY_STAFF, "post", name="来場 者",
        info_consent="unknown",
    ),
    "activities:checkin_display": E("/staff/checkin/{session}/display/", ACTIVITY_STAFF),
    "activities:checkin_close": E("/staff/checkin/{session}/close/", ACTIVITY_STAFF, "post"),
    "activities:self_checkin": E("/checkin/{self_checkin_token}/", MEMBER),
    "privacy:staff_audit": E("/staff/audit/", ADMIN),
    "privacy:staff_policies": E("/staff/policies/", ADMIN),
    "privacy:consent": E("/me/consent/", SIGNED_IN),
    "staff_home": E("/staff/", FIGURES),
    "communities:staff_tags": E("/staff/tags/topic/", ADMIN),
    "communities:staff_security": E("/staff/security/", STAFF),
    "communities:staff_team": E("/staff/team/", ADMIN),
    "communities:staff_team_remove": E("/staff/team/{viewer_role}/remove/", ADMIN, "post"),
    "insights:dashboard": E("/staff/insights/", FIGURES),
    "insights:table_csv": E("/staff/insights/csv/funnel.csv", FIGURES),
    "insights:report_xlsx": E("/staff/insights/report.xlsx", FIGURES),
    "insights:report_pdf": E("/staff/insights/report.pdf", FIGURES),
    "insights:open_data": E("/staff/insights/opendata.csv", FIGURES),
    "mailings:segment_list": E("/staff/segments/", ADMIN),
    "mailings:segment_create": E("/staff/segments/new/", ADMIN),
    "mailings:contact_segment_create": E("/staff/segments/new/contacts/", ADMIN),
    "mailings:segment_count": E("/staff/segments/count/", ADMIN, "post"),
    "mailings:segment_edit": E("/staff/segments/{segment}/", ADMIN),
    "mailings:mailing_list": E("/staff/mailings/", ADMIN),
    "mailings:mailing_create": E("/staff/mailings/new/", ADMIN),
    "mailings:journey_list": E("/staff/mailings/journeys/", ADMIN),
    "mailings:journey_edit": E("/staff/mailings/journeys/{journey}/", ADMIN),
    "mailings:mailing_detail": E("/staff/mailings/{mailing}/", ADMIN),
    "mailings:mailing_edit": E("/staff/mailings/{mailing}/edit/", ADMIN),
    "mailings:mailing_preview": E("/staff/mailings/{mailing}/preview/", ADMIN),
    "mailings:mailing_test": E("/staff/mailings/{mailing}/test/", ADMIN, "post"),
    "mailings:mailing_send": E("/staff/mailings/{mailing}/send/", ADMIN, "post"),
    "mailings:mailing_schedule": E("/staff/mailings/{mailing}/schedule/", ADMIN, "post"),
    "mailings:mailing_progress": E("/staff/mailings/{mailing}/progress/", ADMIN),
    "mailings:mailing_deliveries": E("/staff/mailings/{mailing}/recipients/", ADMIN),
    "mailings:unsubscribe": E("/unsubscribe/{unsubscribe_token}/", EVERYONE),
    "mailings:unsubscribe_one_click": E(
        "/unsubscribe/{unsubscribe_token}/one-click/", EVERYONE, "post"
    ),
    "donations:donation_list": E("/staff/donations/", ADMIN),
    "donations:donation_export": E("/staff/donations/export.csv", ADMIN, "post"),
    "donations:import_upload": E("/staff/donations/import/", ADMIN),
    "donations:import_list": E("/staff/donations/imports/", ADMIN),
    "donations:import_detail": E("/staff/donations/imports/{import_record}/", ADMIN),
    "donations:import_progress": E("/staff/donations/imports/{import_record}/progress/", ADMIN),
    "donations:import_resume": E(
        "/staff/donations/imports/{import_record}/resume/", ADMIN, "post"
    ),
    "donations:review_list": E("/staff/donations/review/", ADMIN),
    "donations:review_decide": E(
        "/staff/donations/review/{match_review}/", ADMIN, "post", choice="new"
    ),
    "donations:contact_list": E("/staff/contacts/", ADMIN),
    "donations:contact_invite": E("/staff/contacts/invite/", ADMIN),
    "donations:contact_create": E("/staff/contacts/new/", ADMIN),
    "donations:contact_detail": E("/staff/contacts/{contact}/", ADMIN),
    "donations:opt_out": E("/contacts/no-more-mail/{opt_out_token}/", EVERYONE),
    "donations:opt_out_one_click": E(
        "/contacts/no-more-mail/{opt_out_token}/one-click/", EVERYONE, "post"
    ),
    "shops:list": E("/shops/", EVERYONE),
    "shops:spot_visit": E("/spot/{spot_token}/", MEMBER),
    "shops:counter": E("/shop/", SHOP),
    "shops:counter_card": E("/shop/card/{card_token}/", SHOP),
    "shops:counter_member": E("/shop/member/", SHOP),
    "shops:counter_redeem": E("/shop/member/redeem/", SHOP, "post", benefit="{benefit}"),
    "shops:staff_shops": E("/staff/shops/", ADMIN),
    "shops:staff_shop_create": E("/staff/shops/new/", ADMIN),
    "shops:staff_shop": E("/staff/shops/{shop}/", ADMIN),
    "shops:staff_shop_edit": E("/staff/shops/{shop}/edit/", ADMIN),
    "shops:staff_benefit_create": E("/staff/shops/{shop}/benefits/new/", ADMIN),
    "shops:staff_benefit_edit": E("/staff/shops/benefits/{benefit}/", ADMIN),
    "shops:staff_clerk_add": E("/staff/shops/{shop}/clerks/", ADMIN, "post"),
    "shops:staff_clerk_remove": E("/staff/shops/{shop}/clerks/{clerk}/remove/", ADMIN, "post"),
    "shops:staff_spots": E("/staff/shops/spots/", ADMIN),
    "shops:staff_spot_create": E("/staff/shops/spots/new/", ADMIN),
    "shops:staff_spot_edit": E("/staff/shops/spots/{spot}/", ADMIN),
    "shops:staff_spot_poster": E("/staff/shops/spots/{spot}/poster.pdf", ADMIN),
    "shops:staff_spot_renew": E("/staff/shops/spots/{spot}/renew/", ADMIN, "post"),
    "shops:staff_rewards": E("/staff/shops/rewards/", ADMIN),
    "shops:staff_reward_create": E("/staff/shops/rewards/new/", ADMIN),
    "shops:staff_reward_edit": E("/staff/shops/rewards/{reward}/", ADMIN),
    "shops:staff_hand_over": E("/staff/shops/achievements/{achievement}/hand-over/", ADMIN, "post"),
    "promotion:my_posts": E("/me/posts/", MEMBER),
    "promotion:my_ambassador": E("/me/ambassador/", MEMBER, "post", public="on"),
    "promotion:ambassadors": E("/ambassadors/", EVERYONE),
    "promotion:staff_referrals": E("/staff/referrals/", ANY_ACTIVITY_STAFF),
    "promotion:staff_member_referrals": E("/staff/referrals/{member}/", ACTIVITY_STAFF),
    "promotion:staff_posts": E("/staff/posts/", ADMIN),
    "promotion:staff_post_review": E("/staff/posts/{post}/review/", ADMIN, "post",
                                     action="approve"),  # fmt: skip
    "promotion:staff_campaigns": E("/staff/campaigns/", ADMIN),
    "promotion:staff_campaign_create": E("/staff/campaigns/new/", ADMIN),
    "promotion:staff_campaign_edit": E("/staff/campaigns/{campaign}/edit/", ADMIN),
    "matching:scout": E("/staff/scout/", ANY_ACTIVITY_STAFF),
    "matching:interest": E("/activities/{activity}/interest/", MEMBER, "post", interested="1"),
    "matching:staff_interested": E("/staff/activities/{activity}/interested/", ACTIVITY_STAFF),
    "news:list": E("/news/", EVERYONE),
    "news:detail": E("/news/{report}/", EVERYONE),
    "news:feed_rss": E("/news/feed.rss", EVERYONE),
    "news:feed_atom": E("/news/feed.atom", EVERYONE),
    "news:staff_list": E("/staff/news/", ADMIN),
    "news:staff_create": E("/staff/news/new/", ADMIN),
    "news:staff_edit": E("/staff/news/{report}/edit/", ADMIN),
    "news:staff_photo_add": E("/staff/news/{report}/photos/", ADMIN, "post"),
    "news:staff_photo_delete": E("/staff/news/{report}/photos/{photo}/delete/", ADMIN, "post"),
    "residency:me": E("/me/residency/", MEMBER),
    "residency:certificate": E("/me/registration.pdf", MEMBER),
    "residency:staff_overview": E("/staff/residency/", ANY_ACTIVITY_STAFF),
    "residency:staff_rules": E("/staff/residency/rules/", ADMIN),
    "residency:staff_activities": E("/staff/residency/activities/", ADMIN),
    "residency:staff_designate": E("/staff/residency/activities/{activity}/designate/", ADMIN,
                                   "post", designated="1"),  # fmt: skip
    "residency:staff_export": E("/staff/residency/export.jsonl", ANY_ACTIVITY_STAFF, "post"),
    "residency:staff_identity": E("/staff/members/{member}/identity/", ADMIN),
    "residency:import_upload": E("/staff/residency/import/", ADMIN),
    "residency:import_list": E("/staff/residency/imports/", ADMIN),
    "residency:import_detail": E("/staff/residency/imports/{registrations_import}/", ADMIN),
    "residency:import_resume": E(
        "/staff/residency/imports/{registrations_import}/resume/", ADMIN, "post"
    ),
    "residency:import_progress": E(
        "/staff/residency/imports/{registrations_import}/progress/", ADMIN
    ),
    "activities:feed": E("/activities/feed.ics", EVERYONE),
    "activities:my_calendar": E("/me/calendar/", MEMBER),
    "activities:my_calendar_revoke": E("/me/calendar/revoke/", MEMBER, "post"),
    # The secret in the URL is the credential (calendar apps cannot sign in).
    "activities:member_feed": E("/feeds/{calendar_key}.ics", EVERYONE),
    "api_tokens:staff": E("/staff/api-tokens/", ANY_ACTIVITY_STAFF),
    "api_tokens:staff_revoke": E("/staff/api-tokens/{api_token}/revoke/", ADMIN, "post"),
    "api_tokens:me": E("/me/api-token/", MEMBER),
    "api_tokens:me_revoke": E("/me/api-token/revoke/", MEMBER, "post"),
    # The API takes bearer tokens only: a signed-in session opens nothing but the public reads
    # (tests/api checks every scope with tokens).
    "api:api-root": E("/api/v1/", set()),
    "api:openapi-json": E("/api/v1/openapi.json", EVERYONE),
    "api:list_activities": E("/api/v1/activities", EVERYONE),
    "api:get_activity": E("/api/v1/activities/{activity}", EVERYONE),
    "api:get_me": E("/api/v1/me", set()),
    "api:list_my_ledger": E("/api/v1/me/ledger", set()),
    "api:search_members": E("/api/v1/members", set()),
    "api:get_member": E("/api/v1/members/{member}", set()),
    "api:list_applications": E("/api/v1/applications", set()),
    "api:get_application": E("/api/v1/applications/{application}", set()),
    "api:transition_application": E("/api/v1/applications/{application}/transition", set(),
                                    "post"),  # fmt: skip
    "api:create_engagement": E("/api/v1/engagements", set(), "post"),
    "api:create_donation": E("/api/v1/donations", set(), "post"),
}

# Django's admin (superusers only) and allauth's own account pages are theirs to guard.
NOT_OURS = ("admin/", "accounts/")


def url_names(patterns=None, prefix="", namespace=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(NOT_OURS):
            continue
        if isinstance(pattern, URLResolver):
            yield from url_names(pattern.url_patterns, route, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}:" if namespace else "") + (pattern.name or route)


def test_every_url_has_an_entry():
    assert set(url_names()) == set(MATRIX)


@pytest.fixture
def world(community):
    organizer_a = Organizer.objects.create(community=community, name="伊賀市 観光戦略課")
    organizer_b = Organizer.objects.create(community=community, name="NPO 伊賀の里")
    session = SessionFactory(activity__organizer=organizer_a, activity__community=community)
    lottery = SessionFactory(
        activity__organizer=organizer_a, activity__selection=Activity.Selection.LOTTERY
    )
    member = MemberFactory(community=community)
    application = services.application_apply(session=session, member=member)
    # Enough points for the certificate.
    engagement_record(member=member, kind=Use.LOCAL_ACTIVITY, points=60)
    other = CommunityFactory()
    viewer = staff_user(community, role=StaffRole.Role.VIEWER)
    benefit = BenefitFactory()
    spot = SpotFactory()
    reward = RewardFactory()
    achievement = RewardAchievement.objects.create(reward=reward, member=member)
    topic = community.mail_topics.first()
    segment = Segment.objects.create(
        community=community, name="全員", match="all", conditions={"everyone": True}
    )
    mailing = Mailing.objects.create(
        community=community, topic=topic, segment=segment, subject="会報", body="{nickname}さん"
    )
    report = ReportFactory(community=community)
    contact = Contact.objects.create(community=community, name="伊賀 太郎", source="donation")
    donation = Donation.objects.create(community=community, identity="r::1", content_hash="x",
                                       donated_on=date(2026, 1, 5), amount=10000,
                                       match="review")  # fmt: skip
    match_review = MatchReview.objects.create(
        community=community, donation=donation,
        candidates=[{"kind": "contact", "id": contact.pk, "reason": "weak"}],
    )  # fmt: skip
    import_record = ImportRecord.objects.create(
        community=community, kind="donations", file_name="a.csv", stored_path="/nonexistent",
        file_format="csv", header_key="x",
    )  # fmt: skip
    registrations_import = ImportRecord.objects.create(
        community=community, kind="registrations", file_name="roster.csv",
        stored_path="/nonexistent", file_format="csv", header_key="x",
    )  # fmt: skip
    users = {
        "anonymous": None,
        "member": member.user,
        "outsider": MemberFactory(community=other).user,
        "other_admin": staff_user(other),
        "admin": staff_user(community),
        "organizer_a": staff_user(community, role="organizer", organizer=organizer_a),
        "organizer_b": staff_user(community, role="organizer", organizer=organizer_b),
        "viewer": viewer,
        "shop": clerk(benefit.shop),
    }
    ids = {
        "member": member.pk,
        "activity": session.activity_id,
        "lottery_activity": lottery.activity_id,
        "session": session.pk,
        "application": application.pk,
        "card_token": card_token_issue(member=member),
        "self_checkin_token": checkin.self_checkin_token(session=session),
        "viewer_role": viewer.staff_roles.get().pk,
        "shop": benefit.shop_id,
        "benefit": benefit.pk,
        "clerk": users["shop"].pk,
        "spot": spot.pk,
        "spot_token": spot_token(spot=spot),
        "reward": reward.pk,
        "achievement": achievement.pk,
        "segment": segment.pk,
        "mailing": mailing.pk,
        "journey": community.journeys.first().pk,
        "unsubscribe_token": unsubscribe_token(member=member, topic=topic),
        "post": post_submit(member=member, url="https://x.com/iga/status/1", campaign=None).pk,
        "campaign": Campaign.objects.create(
            community=community, title="伊賀の秋を投稿しよう", hashtag="#伊賀の秋",
            starts_on=date(2026, 10, 1), ends_on=date(2026, 11, 30),
        ).pk,  # fmt: skip
        "report": report.pk,
        "contact": contact.pk,
        "match_review": match_review.pk,
        "import_record": import_record.pk,
        "registrations_import": registrations_import.pk,
        "opt_out_token": signing.dumps(contact.pk, salt=OPT_OUT_SALT),
        "photo": report_photo(report).pk,
        "calendar_key": calendar_feed_issue(member=member),
        "api_token": token_issue(community=community, user=users["admin"], name="受付",
                                 scopes=[Scope.MEMBERS_READ])[0].pk,  # fmt: skip
    }
    return users, ids


def refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    if response.status_code == 302:
        return response["Location"].startswith(("/accounts/login/", "/staff/security/"))
    templates = {t.name for t in response.templates or []}
    return "members/not_member.html" in templates


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_who_gets_through(client, world, name):
    users, ids = world
    entry = MATRIX[name]
    path = entry.path.format(**ids)
    outcomes = {}
    for role in ROLES:
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        data = {key: value.format(**ids) for key, value in entry.data}
        response = getattr(client, entry.method)(path, data)
        outcomes[role] = not refused(response)
        if role == "anonymous" and role not in entry.allowed:
            if path.startswith("/api/"):
                assert response.status_code in (401, 404)
            else:
                assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert {role for role, through in outcomes.items() if through} == entry.allowed


@pytest.mark.django_db
def test_a_signed_in_person_without_a_role_is_not_staff(client, community):
    client.force_login(UserFactory())
    assert client.get("/staff/").status_code == 403
