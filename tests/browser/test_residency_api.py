"""The registration, calendar and API token pages in a browser: a member declares and sees
what is missing, staff issue a token; axe finds nothing serious on any of them."""

import re

import pytest
from playwright.sync_api import expect

from enishi.communities.models import Community
from tests.activities.factories import SessionFactory
from tests.factories import MemberFactory, staff_user

from .conftest import PASSWORD, axe_violations, format_violations, sign_in_staff

pytestmark = pytest.mark.browser


def _sign_in(page, site, user):
    page.goto(site.url + "/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="ログイン").click()


def test_a_member_declares_and_staff_issue_a_token_without_accessibility_problems(
    audit_phone, site
):
    community = Community.objects.get(slug="iga")
    SessionFactory(activity__title="伊賀焼の窯出し見学")
    member = MemberFactory(community=community)
    page = audit_phone
    failures = []

    def audit(path):
        page.goto(site.url + path)
        if found := axe_violations(page):
            failures.append(format_violations(path, found))

    _sign_in(page, site, member.user)
    expect(page).to_have_url(re.compile(r"/me/$"))
    page.get_by_role("link", name="登録の状態と足りないこと").click()
    missing = "指定された担い手活動への参加があと 3 回必要です。"
    expect(page.locator("main")).to_contain_text(missing)
    page.get_by_label("ほかにプレミアム登録している自治体の数").fill("5")
    page.get_by_role("button", name="保存する").click()
    expect(page.locator("main")).to_contain_text("プレミアム登録は 3 自治体までです")
    for path in ["/me/residency/", "/me/calendar/", "/me/api-token/", "/activities/"]:
        audit(path)
    page.context.clear_cookies()
    staff = staff_user(community, email="furusato@city.iga.example.jp")
    sign_in_staff(page, site, staff)
    expect(page).to_have_url(re.compile(r"/staff/$"))
    page.goto(site.url + "/staff/api-tokens/")
    page.get_by_label("名前（用途）").fill("受付アプリ")
    page.get_by_label("関わりの記録の追加（外部のチェックインなど）").check()
    page.get_by_role("button", name="発行する").click()
    expect(page.locator("#issued-token")).to_have_value(re.compile(r"^enishi_"))
    for path in ["/staff/api-tokens/", "/staff/residency/", "/staff/residency/?list=short",
                 "/staff/residency/rules/", "/staff/residency/activities/",
                 f"/staff/members/{member.pk}/",
                 f"/staff/members/{member.pk}/identity/"]:  # fmt: skip
        audit(path)
    assert not failures, "\n\n".join(failures)
