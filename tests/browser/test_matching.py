"""Staff scout members for a need and invite one; a member finds a small job, marks
「興味あり」 and sees it recommended. The pages pass axe-core."""

import re

import pytest
from playwright.sync_api import expect

from enishi.activities.models import Activity
from enishi.communities.models import Tag
from enishi.matching.models import Interest, Invitation
from enishi.privacy.models import Consent
from tests.activities.factories import SessionFactory
from tests.factories import MemberFactory, staff_user

from .conftest import PASSWORD, axe_violations, format_violations, sign_in_staff

pytestmark = pytest.mark.browser


def _check(page):
    found = axe_violations(page)
    assert not found, format_violations(page.url, found)


def test_staff_scout_and_invite(browser, site):
    designer = MemberFactory(family_name="設計", given_name="花子",
                             skills_text="観光パンフレットとポスターの制作を10年。")  # fmt: skip
    Consent.objects.create(member=designer, purpose="newsletter_email", granted=True, source="t")
    MemberFactory(family_name="田中", skills_text="米農家です。")
    community = designer.community
    SessionFactory(activity__title="観光マップづくり")
    staff = staff_user(community, email="scout@example.jp")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP",
                                  bypass_csp=True)  # fmt: skip
    page = context.new_page()
    sign_in_staff(page, site, staff)
    expect(page).to_have_url(re.compile(r"/staff/$"))
    page.get_by_role("link", name="スキルで探す（人材スカウト）").click()
    page.get_by_label("求めている人・スキル").fill("人")
    page.get_by_role("button", name="探す").click()
    expect(page.locator(".error-summary")).to_contain_text("2文字以上")
    page.get_by_label("求めている人・スキル").fill("観光パンフレットのデザインができる人")
    page.get_by_role("button", name="探す").click()
    results = page.locator("table")
    expect(results).to_contain_text("設計 花子")
    expect(results.locator("mark").first).to_be_visible()
    _check(page)
    page.get_by_label("設計 花子さんを招待する").check()
    page.get_by_label("招待する活動").select_option(label="観光マップづくり")
    page.get_by_role("button", name="招待メールを送る").click()
    expect(page.locator("main")).to_contain_text("1人に招待メールを送りました。")
    assert Invitation.objects.get().member == designer
    context.close()


def test_member_finds_a_small_job_marks_interest_and_sees_it_recommended(audit_phone, site):
    member = MemberFactory(nickname="伊賀っ子")
    community = member.community
    member.skills.add(Tag.objects.get(community=community, kind="skill", name="農業"))
    job = SessionFactory(activity__title="稲刈りの手伝い", activity__is_small_job=True,
                         activity__okaeshi=Activity.Okaeshi.PRODUCE,
                         activity__okaeshi_note="新米2kg").activity  # fmt: skip
    job.wanted_skills.add(Tag.objects.get(community=community, kind="skill", name="農業"))
    page = audit_phone
    page.goto(site.url + "/jobs/")
    expect(page.locator("main")).to_contain_text("オカエシ：農産物・特産品")
    _check(page)
    page.goto(site.url + "/accounts/login/")
    page.locator("input[name=login]").fill(member.user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    recommended = page.locator("section", has_text="あなたへのおすすめ")
    expect(recommended).to_contain_text("稲刈りの手伝い")
    expect(recommended).to_contain_text("「農業」のスキルが活かせます")
    _check(page)
    recommended.get_by_role("link", name="稲刈りの手伝い").click()
    page.get_by_role("button", name="興味あり").click()
    expect(page.locator("main")).to_contain_text("「興味あり」にしました")
    assert Interest.objects.filter(member=member, activity=job).exists()
    _check(page)
