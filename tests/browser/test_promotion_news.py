"""Reports, the invitation link and SNS submissions in a phone browser; axe on their pages."""

import re

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from playwright.sync_api import expect

from enishi.communities.models import Community
from enishi.promotion.services import post_submit
from tests.activities.factories import SessionFactory
from tests.factories import MemberFactory, staff_user
from tests.news.factories import ReportFactory

from .conftest import PASSWORD, axe_violations, format_violations

pytestmark = pytest.mark.browser


def _sign_in(page, site, user):
    page.goto(site.url + "/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="ログイン").click()


def test_a_member_shares_the_invitation_and_submits_a_post(phone, site):
    member = MemberFactory(nickname="伊賀っ子")
    _sign_in(phone, site, member.user)
    expect(phone).to_have_url(re.compile(r"/me/$"))
    expect(phone.locator("#invite-url")).to_have_value(
        re.compile(rf"/join/\?ref={member.referral_code}$")
    )
    phone.get_by_role("link", name="SNSの投稿を送る").click()
    phone.get_by_label("投稿のURL").fill("javascript:alert(1)")
    phone.get_by_role("button", name="送る").click()
    expect(phone.locator("[data-error-summary]")).to_contain_text("https:// で始まる")
    phone.get_by_label("投稿のURL").fill("https://www.instagram.com/p/IgaAki2026/")
    phone.get_by_label("ハッシュタグ").select_option("#ええやん伊賀")
    phone.get_by_role("button", name="送る").click()
    expect(phone.locator("main")).to_contain_text("確認待ち")
    assert phone.problems == []


def test_news_and_promotion_pages_have_no_serious_accessibility_violations(audit_phone, site):
    community = Community.objects.get(slug="iga")
    session = SessionFactory(activity__title="伊賀焼の窯出し見学")
    SessionFactory(activity__title="くみひも体験")
    report = ReportFactory(activity=session.activity)
    member = MemberFactory(nickname="伊賀っ子")
    post_submit(member=member, url="https://x.com/iga/status/1", text="上野城", campaign=None)
    page = audit_phone
    failures = []

    def audit(path):
        page.goto(site.url + path)
        found = axe_violations(page)
        if found:
            failures.append(format_violations(path, found))

    for path in ["/", "/news/", f"/news/{report.pk}/", "/ambassadors/"]:
        audit(path)
    _sign_in(page, site, member.user)
    expect(page).to_have_url(re.compile(r"/me/$"))
    for path in ["/me/", "/me/posts/", "/me/card/"]:
        audit(path)
    page.context.clear_cookies()
    staff = staff_user(community, email="koho@city.iga.example.jp")
    _sign_in(page, site, staff)
    counter = next(iter(yield_hotp_counters_from_time()))
    page.locator("input[name=code]").fill(format_hotp_value(hotp_value(staff.totp_secret, counter)))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    for path in ["/staff/posts/", "/staff/referrals/", "/staff/campaigns/new/",
                 "/staff/news/", f"/staff/news/{report.pk}/edit/"]:  # fmt: skip
        audit(path)
    assert not failures, "\n\n".join(failures)
