"""Partner shops in a browser: the map on /shops/ under the site's CSP, a clerk's phone at the
counter scanning a member card and recording a redemption, the member seeing it on /me/, and
axe-core on /shops/ and /shop/."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from enishi.members.services import card_token_issue
from enishi.shops.models import Benefit, Redemption
from tests.factories import MemberFactory
from tests.shops.factories import BenefitFactory, ShopFactory, clerk

from .conftest import PASSWORD, axe_violations, format_violations
from .test_journeys import _log_in

pytestmark = pytest.mark.browser

TILES = "https://tiles.example.test"


def _blank_tile() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (230, 236, 240)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def map_tiles(settings):
    """A tile server of our own: the page asks it for tiles, the test answers with a blank."""
    settings.ENISHI_MAP_TILE_URL = TILES + "/{z}/{x}/{y}.png"
    settings.SECURE_CSP = {
        **settings.SECURE_CSP, "img-src": [*settings.SECURE_CSP["img-src"], TILES],
    }  # fmt: skip
    tile = _blank_tile()

    def serve(page):
        page.route(f"{TILES}/**", lambda route: route.fulfill(body=tile, content_type="image/png"))

    return serve


def _shops():
    kiln = ShopFactory(name="伊賀焼の窯元 長谷園", area="丸柱", latitude="34.836000",
                       longitude="136.183000")  # fmt: skip
    BenefitFactory(shop=kiln, title="絵付け体験500円引き", frequency=Benefit.Frequency.MONTHLY)
    sweets = ShopFactory(name="かたやき本舗", category="sweets", area="上野",
                         latitude="34.770000", longitude="136.130000")  # fmt: skip
    BenefitFactory(shop=sweets, title="かたやき1枚進呈")
    return kiln


def test_clerk_scans_card_records_redemption_member_sees_it(phone, browser, site, map_tiles):
    kiln = _shops()
    member = MemberFactory(nickname="くみひも", family_name="百地", given_name="丹波")
    staff = clerk(kiln, email="mise@example.jp")

    # The member looks the shops up on the map (CSP enforced: Leaflet runs from static files).
    map_tiles(phone)
    _log_in(phone, site, member.user.email)
    phone.get_by_role("link", name="協力店").first.click()
    expect(phone.locator("#shop-map .leaflet-marker-icon")).to_have_count(2)
    phone.get_by_role("button", name="地図を隠す").click()
    expect(phone.locator("#shop-map")).to_be_hidden()
    expect(phone.locator("main")).to_contain_text("絵付け体験500円引き")

    # The clerk signs in on the shop's phone and lands on the counter.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ja-JP"
    )
    counter = context.new_page()
    counter.goto(site.url + "/accounts/login/")
    counter.locator("input[name=login]").fill(staff.email)
    counter.locator("input[name=password]").fill(PASSWORD)
    counter.locator("main form").get_by_role("button", name="ログイン").click()
    expect(counter).to_have_url(re.compile(r"/shop/$"))
    expect(counter.locator("h1")).to_contain_text("伊賀焼の窯元 長谷園の受付")

    # The member shows the card; the clerk's camera opens the QR's URL.
    phone.goto(site.url + "/me/card/")
    expect(phone.locator(".member-card__qr svg")).to_be_visible()
    expect(phone.locator("main")).to_contain_text("会員証が使える協力店")
    counter.goto(f"{site.url}/card/{card_token_issue(member=member)}/")
    expect(counter).to_have_url(re.compile(r"/shop/member/$"))
    main = counter.locator("main")
    expect(main).to_contain_text("くみひも")
    expect(main).not_to_contain_text("百地")
    counter.get_by_role("button", name="「絵付け体験500円引き」を使う").tap()
    expect(main).to_contain_text("「絵付け体験500円引き」の利用を記録しました。")
    expect(main).to_contain_text("今月はすでに利用済みです")
    expect(counter.get_by_role("button", name="「絵付け体験500円引き」を使う")).to_have_count(0)
    assert Redemption.objects.filter(member=member, shop=kiln).count() == 1
    context.close()

    # The member's page shows the redemption and the visit points.
    phone.goto(site.url + "/me/")
    main = phone.locator("main")
    expect(main).to_contain_text("伊賀焼の窯元 長谷園")
    expect(main).to_contain_text("絵付け体験500円引き")
    expect(main).to_contain_text("+5")
    assert phone.problems == []


def test_shop_pages_have_no_serious_accessibility_violations(audit_phone, site, map_tiles):
    kiln = _shops()
    member = MemberFactory(nickname="くみひも")
    page = audit_phone
    map_tiles(page)
    failures = []
    page.goto(site.url + "/shops/")
    expect(page.locator("#shop-map .leaflet-marker-icon")).to_have_count(2)
    if found := axe_violations(page):
        failures.append(format_violations("/shops/", found))

    page.goto(site.url + "/accounts/login/")
    page.locator("input[name=login]").fill(clerk(kiln).email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/shop/$"))
    if found := axe_violations(page):
        failures.append(format_violations("/shop/", found))
    page.goto(f"{site.url}/card/{card_token_issue(member=member)}/")
    expect(page).to_have_url(re.compile(r"/shop/member/$"))
    if found := axe_violations(page):
        failures.append(format_violations("/shop/member/", found))
    assert not failures, "\n\n".join(failures)
