"""The shop pages in English: no Japanese UI text left (shop data may stay Japanese)."""

import pytest

from enishi.members.services import card_token_issue
from enishi.shops import services
from enishi.shops.models import Benefit
from tests.factories import MemberFactory, staff_user
from tests.test_i18n import japanese_ui_text

from .factories import BenefitFactory, RewardFactory, SpotFactory, clerk

pytestmark = pytest.mark.django_db

DATA = ("伊賀焼の窯元 丸柱窯", "阿山", "三重県伊賀市丸柱", "絵付け体験500円引き", "上野市駅",
        "伊賀通いの記念品", "伊賀焼の豆皿", "くみひも")  # fmt: skip


@pytest.fixture
def shop_data(community):
    benefit = BenefitFactory(shop__name=DATA[0], shop__area=DATA[1], shop__address=DATA[2],
                             title=DATA[3], frequency=Benefit.Frequency.MONTHLY,
                             min_rank=community.ranks.order_by("min_points")[1])  # fmt: skip
    member = MemberFactory(nickname=DATA[7])
    spot = SpotFactory(name=DATA[4], shop=benefit.shop)
    RewardFactory(name=DATA[5], reward=DATA[6], threshold=1)
    services.visit_record(spot=spot, member=member)
    return benefit, member, spot


def _english(client, url):
    response = client.get(url + ("&" if "?" in url else "?") + "lang=en", follow=True)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert '<html lang="en">' in page, url
    return page


def test_public_member_and_counter_pages_in_english(client, shop_data):
    benefit, member, spot = shop_data
    assert not japanese_ui_text(_english(client, "/shops/"), DATA)
    client.force_login(member.user)
    for url in ("/me/", "/me/card/", f"/spot/{services.spot_token(spot=spot)}/"):
        assert not japanese_ui_text(_english(client, url), DATA), url
    client.force_login(clerk(benefit.shop))
    assert not japanese_ui_text(_english(client, "/shop/"), DATA)
    page = _english(client, f"/card/{card_token_issue(member=member)}/")
    assert "Benefits of" in page
    assert not japanese_ui_text(page, DATA)


def test_staff_shop_pages_in_english(client, community, shop_data):
    benefit, _member, spot = shop_data
    client.force_login(staff_user(community))
    for url in ("/staff/shops/", f"/staff/shops/{benefit.shop_id}/",
                f"/staff/shops/{benefit.shop_id}/edit/", f"/staff/shops/benefits/{benefit.pk}/",
                "/staff/shops/spots/", "/staff/shops/spots/new/", "/staff/shops/rewards/",
                "/staff/shops/rewards/new/"):  # fmt: skip
        assert not japanese_ui_text(_english(client, url), DATA), url
