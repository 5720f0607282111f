"""The heart of enishi in a browser: a member applies on a phone, staff accept, the member's
card is scanned at the door, and /me/ shows the new points and rank."""

import re

import pytest
from playwright.sync_api import expect

from enishi.activities.models import Activity, Application
from enishi.members.services import card_token_issue
from tests.activities.factories import QuestionFactory, SessionFactory
from tests.factories import MemberFactory, staff_user

from .conftest import axe_violations, format_violations, sign_in_staff
from .test_journeys import _log_in

pytestmark = pytest.mark.browser


def test_apply_accept_check_in_and_rank_up(phone, browser, site):
    session = SessionFactory(
        activity__title="伊賀焼の窯出し見学", activity__selection=Activity.Selection.SCREENING,
        activity__points_for_attendance=60, capacity=10,
    )  # fmt: skip
    activity = session.activity
    QuestionFactory(activity=activity, text="伊賀焼に触れたことはありますか", required=True)
    member = MemberFactory(nickname="くみひも")
    staff = staff_user(activity.community, email="kanri@example.jp")

    # The member finds the activity and applies, on a phone.
    _log_in(phone, site, member.user.email)
    phone.get_by_role("link", name="活動を探す").first.click()
    phone.get_by_role("link", name="伊賀焼の窯出し見学").click()
    phone.get_by_label("伊賀焼に触れたことはありますか").fill("旅行で一度")
    phone.get_by_role("button", name="応募する").click()
    expect(phone.locator("main")).to_contain_text("応募")
    application = Application.objects.get(member=member)
    assert application.status == Application.Status.APPLIED  # screening: staff decide

    # Staff accept the applicant and open the check-in desk for the session.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP")
    desk = context.new_page()
    # Staff sign in with a second factor: the code from their authenticator app.
    sign_in_staff(desk, site, staff)
    expect(desk).to_have_url(re.compile(r"/staff/$"))
    desk.goto(f"{site.url}/staff/activities/{activity.pk}/")
    desk.get_by_role("button", name="参加確定").click()
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    desk.get_by_role("link", name="この回の受付を開く").click()
    expect(desk.locator("#checkin-counts")).to_contain_text("0")

    # At the door the member shows the card; the staff phone's camera opens the QR's URL.
    phone.goto(site.url + "/me/card/")
    expect(phone.locator(".member-card__qr svg")).to_be_visible()
    desk.goto(f"{site.url}/card/{card_token_issue(member=member)}/")
    expect(desk.locator("main")).to_contain_text("受付しました")
    expect(desk.locator("main")).to_contain_text("くみひも")
    expect(desk.locator("#checkin-counts")).to_contain_text("1")
    context.close()

    # The member's page shows the activity in their history and the new rank.
    phone.goto(site.url + "/me/")
    main = phone.locator("main")
    expect(main).to_contain_text("伊賀焼の窯出し見学")
    expect(main).to_contain_text("+60")
    expect(main).to_contain_text("下忍")
    assert phone.problems == []


def test_activity_pages_have_no_serious_accessibility_violations(audit_phone, site):
    session = SessionFactory(activity__title="田植え体験", capacity=5)
    QuestionFactory(activity=session.activity, text="参加の動機", required=False)
    page = audit_phone
    failures = []
    for path in ["/activities/", f"/activities/{session.activity.pk}/"]:
        page.goto(site.url + path)
        found = axe_violations(page)
        if found:
            failures.append(format_violations(path, found))
    assert not failures, "\n\n".join(failures)
