"""The mapping step of the donation import, in a desktop browser: a Shift_JIS portal file is
uploaded, its headers and first rows are shown, staff choose a column the portal named in its
own way, the mapping is kept under a name and the result page counts what came in. axe finds
nothing serious on the mapping page."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import staff_user

from .conftest import _new_page, axe_violations, format_violations, sign_in_staff

pytestmark = pytest.mark.browser
FIXTURE = Path(__file__).resolve().parents[1] / "donations" / "fixtures" / "portal_sjis.csv"


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.ENISHI_IMPORT_DIR = tmp_path / "imports"


def test_map_the_columns_of_a_portal_file_and_import_it(browser, site):
    from enishi.communities.models import Community
    from enishi.donations.models import Donation

    iga = Community.objects.get(slug="iga")
    for bypass_csp in (False, True):  # the CSP is enforced first; axe needs it bypassed
        staff = staff_user(iga, email=f"furusato{int(bypass_csp)}@example.jp")
        context, page = _new_page(browser, bypass_csp=bypass_csp)
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in_staff(page, site, staff)
        page.get_by_role("link", name="ふるさと納税・連絡先（潜在）").click()
        page.get_by_role("link", name="取り込み", exact=True).click()
        page.get_by_label("寄附データのファイル").set_input_files(str(FIXTURE))
        page.get_by_role("button", name="読み込む").click()
        main = page.locator("main")
        expect(main.locator("h1")).to_have_text("列の対応付け")
        expect(main.locator("#preview")).to_contain_text("髙橋 一郎")  # Shift_JIS decoded
        expect(main).to_contain_text("Shift_JIS")
        if bypass_csp:
            found = axe_violations(page)
            assert not found, format_violations(page.url, found)
            context.close()
            continue
        # The portal's own headers were recognised; 返礼品 is "お礼の品" there: choose it.
        expect(page.get_by_label("受付番号")).to_have_value("注文番号")
        page.get_by_label("返礼品").select_option("お礼の品")
        page.get_by_label("この対応付けの名前").fill("ポータルA")
        page.get_by_role("button", name="取り込む").click()
        expect(main.locator("h1")).to_have_text("取り込みの結果")
        expect(main.locator("#import-progress")).to_contain_text("完了")
        expect(main.locator("#import-progress")).to_contain_text("新規")
        assert Donation.objects.get(receipt_number="R-100").gift == "伊賀米 5kg"
        assert page.problems == []
        context.close()
