"""A new staff member on a laptop: signs in, is asked for a second factor before personal data,
sets up an authenticator app, and reaches the member list. The staff pages pass axe."""

import re

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from playwright.sync_api import expect

from enishi.communities.models import Community, StaffRole
from tests.factories import UserFactory, staff_user

from .conftest import PASSWORD, axe_violations, format_violations, sign_in_staff

pytestmark = pytest.mark.browser


def _sign_in(page, site, email):
    page.goto(site.url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="ログイン").click()


def test_staff_set_up_an_authenticator_before_seeing_members(phone, site):
    page = phone
    user = UserFactory(email="shinnin@city.iga.example.jp")
    StaffRole.objects.create(user=user, community=Community.objects.get(slug="iga"))
    _sign_in(page, site, user.email)
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.goto(site.url + "/staff/members/")
    expect(page).to_have_url(re.compile(r"/staff/security/\?next="))
    expect(page.get_by_role("alert")).to_contain_text("二段階認証を設定してください")
    page.get_by_role("link", name="認証アプリを設定する").click()
    # allauth asks for the password again before a security change.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()

    secret = page.locator("#authenticator_secret").input_value()
    counter = next(iter(yield_hotp_counters_from_time()))
    page.locator("input[name=code]").fill(format_hotp_value(hotp_value(secret, counter)))
    page.locator("main form button[type=submit]").click()
    # allauth shows the recovery codes to keep; the member list now opens.
    expect(page.locator("main")).to_contain_text(re.compile(r"[0-9a-f]{8}"))
    page.goto(site.url + "/staff/members/")
    expect(page).to_have_url(re.compile(r"/staff/members/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("会員")
    assert not page.problems, page.problems


def test_staff_pages_have_no_serious_accessibility_violations(audit_phone, site):
    page = audit_phone
    staff = staff_user(Community.objects.get(slug="iga"), email="kanri@city.iga.example.jp")
    sign_in_staff(page, site, staff)
    expect(page).to_have_url(re.compile(r"/staff/$"))
    failures = []
    for path in ["/staff/", "/staff/security/", "/staff/team/", "/staff/audit/",
                 "/staff/policies/", "/accounts/2fa/"]:  # fmt: skip
        page.goto(site.url + path)
        found = axe_violations(page)
        if found:
            failures.append(format_violations(path, found))
    assert not failures, "\n\n".join(failures)
