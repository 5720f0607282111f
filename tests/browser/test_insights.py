"""The staff dashboard with the demo data, in a desktop browser: Japanese renders, the
charts and the map are drawn, no console errors, and axe finds nothing serious."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.factories import staff_user

from .conftest import ARTIFACTS, _new_page, axe_violations, format_violations, sign_in_staff

pytestmark = pytest.mark.browser


def test_dashboard_with_demo_data(browser, site):
    call_command("seed_demo", members=150, activities=12, verbosity=0)
    from enishi.communities.models import Community

    iga = Community.objects.get(slug="iga")
    for bypass_csp in (False, True):  # the CSP is enforced first; axe needs it bypassed
        # One login each: an authenticator code is accepted once.
        staff = staff_user(iga, email=f"haaku{int(bypass_csp)}@example.jp")
        context, page = _new_page(browser, bypass_csp=bypass_csp)
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in_staff(page, site, staff)
        expect(page.locator("h1")).to_have_text("職員メニュー")  # staff land on /staff/
        page.get_by_role("link", name="把握：ダッシュボード・報告書・オープンデータ").click()
        main = page.locator("main")
        expect(main.locator("h1")).to_have_text("把握：関係人口のダッシュボード")
        expect(main).to_contain_text("年度")
        expect(main.locator("svg.chart").first).to_be_visible()
        assert main.locator("#places svg g.tile").count() == 47
        expect(main.locator("#chart-map-t")).to_have_text("都道府県別の会員数（地図）")
        # Japanese is drawn with the web font, not tofu: the heading has a real width.
        assert main.locator("h1").bounding_box()["width"] > 200
        if not bypass_csp:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "insights-dashboard.png"), full_page=True,
                            timeout=90_000)  # a long page: slow on a busy machine
            page.emulate_media(media="print")
            page.screenshot(path=str(ARTIFACTS / "insights-dashboard-print.png"),
                            full_page=True, timeout=90_000)
            page.emulate_media(media="screen")
            assert page.problems == []
        else:
            found = axe_violations(page)
            assert not found, format_violations(page.url, found)
        context.close()
