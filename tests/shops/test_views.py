"""The pages: /shops/, the /shop/ counter on a clerk's phone, spot posters, /me/ and the card,
and the staff pages, driven with the test client."""

import json
import re

import pytest
from django.core import mail, signing
from django.test import Client

from enishi.communities.models import StaffRole
from enishi.members.services import card_token_issue, member_withdraw
from enishi.privacy.models import AuditEvent
from enishi.shops import services
from enishi.shops.models import (
    Benefit,
    PartnerShop,
    Redemption,
    RewardAchievement,
    ShopStaff,
    UsageReward,
    Visit,
    VisitSpot,
)
from tests.factories import CommunityFactory, MemberFactory, staff_user
from tests.members.helpers import post

from .factories import BenefitFactory, RewardFactory, ShopFactory, SpotFactory, clerk

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return ShopFactory(name="伊賀焼の窯元 長谷園")


@pytest.fixture
def clerk_client(client, shop):
    client.force_login(clerk(shop))
    return client


def _member(**kwargs):
    return MemberFactory(
        family_name="百地", given_name="丹波", nickname="くみひも", city="世田谷区",
        address_line="三軒茶屋1-2-3", **kwargs,
    )  # fmt: skip


# ------------------------------------------------------------------------------ /shops/


def test_public_list_filters_by_category_and_area(client, settings):
    settings.ENISHI_MAP_TILE_URL = ""
    BenefitFactory(shop__name="かたやき本舗", shop__category="sweets", shop__area="上野",
                   title="かたやき1枚進呈")  # fmt: skip
    BenefitFactory(shop__name="忍者の里の食堂", shop__category="food", shop__area="阿山",
                   title="ドリンク1杯サービス")  # fmt: skip
    ShopFactory(name="休業中の店", is_active=False)
    page = client.get("/shops/").content.decode()
    assert "かたやき本舗" in page and "忍者の里の食堂" in page and "休業中の店" not in page
    assert "かたやき1枚進呈" in page
    assert 'id="shop-map"' not in page  # tiles switched off: the list alone
    page = client.get("/shops/?category=sweets").content.decode()
    assert "かたやき本舗" in page and "忍者の里の食堂" not in page
    page = client.get("/shops/?area=阿山").content.decode()
    assert "かたやき本舗" not in page and "忍者の里の食堂" in page
    # A value that is not a choice is ignored, not an error.
    assert client.get("/shops/?category=casino&area=nowhere").status_code == 200


def test_map_gets_its_data_from_the_page_not_inline_script(client, settings):
    settings.ENISHI_MAP_TILE_URL = "https://tiles.example.jp/{z}/{x}/{y}.png"
    ShopFactory(name="かたやき本舗", latitude="34.770000", longitude="136.130000")
    ShopFactory(name="位置なしの店", latitude=None, longitude=None)
    page = client.get("/shops/").content.decode()
    assert 'data-tile-url="https://tiles.example.jp/{z}/{x}/{y}.png"' in page
    assert "vendor/leaflet-1.9.4/leaflet.js" in page
    data = re.search(r'<script id="shop-map-points" type="application/json">(.*?)</script>', page)
    points = json.loads(data.group(1))
    assert [p["name"] for p in points] == ["かたやき本舗"]  # the shop without a position: list only
    assert points[0]["lat"] == 34.77 and points[0]["anchor"].startswith("shop-")
    # No inline script other than the JSON data.
    for script in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page):
        assert 'type="application/json"' in script


def test_public_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    def count():
        with django_assert_max_num_queries(6) as captured:
            assert client.get("/shops/").status_code == 200
        return len(captured)

    BenefitFactory.create_batch(2)
    small = count()
    BenefitFactory.create_batch(30)
    assert count() == small


# ------------------------------------------------------------------------------ the counter


def _scan(client, member, **kwargs):
    """The clerk's phone camera opens the card's URL: the card check sends it to the counter."""
    response = client.get(f"/card/{card_token_issue(member=member, **kwargs)}/", follow=True)
    return response


def test_clerk_scans_a_card_and_sees_only_nickname_rank_and_benefits(clerk_client, shop):
    BenefitFactory(shop=shop, title="ドリンク1杯サービス", frequency=Benefit.Frequency.DAILY)
    BenefitFactory(title="他の店の特典")
    member = _member()
    response = _scan(clerk_client, member)
    assert response.redirect_chain[-1][0] == "/shop/member/"
    page = response.content.decode()
    assert "くみひも" in page and "新入り" in page
    assert "「ドリンク1杯サービス」を使う" in page
    assert "他の店の特典" not in page
    for personal in ("百地", "丹波", member.user.email, "世田谷区", "三軒茶屋", member.number):
        assert personal not in page


def test_one_tap_records_a_redemption_and_a_second_tap_is_refused(clerk_client, shop):
    benefit = BenefitFactory(shop=shop, title="ドリンク1杯サービス",
                             frequency=Benefit.Frequency.DAILY)  # fmt: skip
    member = _member()
    _scan(clerk_client, member)
    response = post(clerk_client, "/shop/member/redeem/", {"benefit": benefit.pk}, follow=True)
    assert "「ドリンク1杯サービス」の利用を記録しました。" in response.content.decode()
    assert "本日はすでに利用済みです（1日1回まで）。" in response.content.decode()
    response = post(clerk_client, "/shop/member/redeem/", {"benefit": benefit.pk}, follow=True)
    assert "本日はすでに利用済みです" in response.content.decode()
    assert Redemption.objects.filter(member=member).count() == 1
    # The counter shows today's redemptions: the benefit and time, no one's name.
    page = clerk_client.get("/shop/").content.decode()
    assert "ドリンク1杯サービス" in page and "くみひも" not in page


def test_typed_member_number_in_full_width(clerk_client, shop, community):
    BenefitFactory(shop=shop, title="10%引き")
    _member(number=f"{community.member_number_prefix}-000042")
    response = clerk_client.post("/shop/", {"number": "４２"}, follow=True)
    assert "くみひも" in response.content.decode()
    response = clerk_client.post("/shop/", {"number": "999999"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "その会員番号の会員は見つかりませんでした。" in page
    assert 'value="999999"' in page  # what was typed stays


def test_tampered_expired_other_community_and_withdrawn_cards(clerk_client, settings):
    member = _member()
    token = card_token_issue(member=member)
    response = clerk_client.get(f"/shop/card/{token[:-3]}abc/")
    assert response.status_code == 400
    assert "QRコードを読み取れませんでした" in response.content.decode()

    settings.ENISHI_CARD_SCREEN_TOKEN_MAX_AGE = -1  # the screen code has expired
    response = clerk_client.get(f"/shop/card/{token}/")
    assert "有効期限が切れています" in response.content.decode()
    settings.ENISHI_CARD_SCREEN_TOKEN_MAX_AGE = 15 * 60

    stranger = MemberFactory(community=CommunityFactory())
    response = clerk_client.get(f"/shop/card/{card_token_issue(member=stranger)}/")
    assert "このコミュニティの会員証ではありません。" in response.content.decode()

    member_withdraw(member=member)
    response = clerk_client.get(f"/shop/card/{token}/")  # replayed after withdrawal
    assert "この会員証は現在使えません" in response.content.decode()
    assert clerk_client.get("/shop/member/").status_code == 302  # nobody is being served


def test_a_replayed_printed_card_still_meets_the_limit(clerk_client, shop):
    benefit = BenefitFactory(shop=shop, frequency=Benefit.Frequency.ONCE)
    member = _member()
    for _ in range(2):
        clerk_client.get(f"/shop/card/{card_token_issue(member=member, printed=True)}/")
        post(clerk_client, "/shop/member/redeem/", {"benefit": benefit.pk})
    assert Redemption.objects.filter(member=member).count() == 1


def test_the_member_served_expires_and_another_shops_benefit_is_refused(clerk_client, shop):
    other = BenefitFactory()
    member = _member()
    _scan(clerk_client, member)
    response = post(clerk_client, "/shop/member/redeem/", {"benefit": other.pk}, follow=True)
    assert "この店の特典ではありません。" in response.content.decode()
    session = clerk_client.session
    session["enishi.shop_member"]["at"] -= 11 * 60
    session.save()
    response = clerk_client.get("/shop/member/")
    assert response.status_code == 302 and response.url == "/shop/"
    assert not Redemption.objects.exists()


def test_a_shop_deactivated_mid_day(clerk_client, shop):
    benefit = BenefitFactory(shop=shop, title="10%引き")
    member = _member()
    _scan(clerk_client, member)
    post(clerk_client, "/shop/member/redeem/", {"benefit": benefit.pk})
    PartnerShop.objects.filter(pk=shop.pk).update(is_active=False)
    response = post(clerk_client, "/shop/member/redeem/", {"benefit": benefit.pk}, follow=True)
    assert "この協力店は現在、特典を提供していません。" in response.content.decode()
    assert Redemption.objects.count() == 1


def test_a_clerk_lands_on_the_counter_after_signing_in(client, shop):
    user = clerk(shop, email="mise@example.jp")
    response = client.post("/accounts/login/", {"login": user.email,
                                                "password": "correct-horse-battery"})  # fmt: skip
    assert response.status_code == 302 and response.url == "/shop/"
    assert "店舗の受付" in client.get("/shop/").content.decode()


def test_a_shop_role_without_a_shop_is_refused(client, community):
    client.force_login(staff_user(community, role=StaffRole.Role.SHOP))
    assert client.get("/shop/").status_code == 403


# Shop staff reaching every other URL: tests/test_authorization_matrix.py (the "shop" role).


def test_shop_staff_see_the_counter_not_the_staff_pages(clerk_client):
    assert clerk_client.get("/staff/").status_code == 403
    assert clerk_client.get("/staff/members/").status_code == 403
    assert clerk_client.get("/shop/").status_code == 200


def test_other_staff_cannot_use_the_counter(client, community):
    client.force_login(staff_user(community))  # an admin: manages shops, serves at none
    assert client.get("/shop/").status_code == 403
    assert client.get("/staff/shops/").status_code == 200


# ------------------------------------------------------------------------------ visit spots


def test_spot_qr_for_a_signed_in_member(client):
    spot = SpotFactory(name="伊賀上野駅")
    member = _member()
    url = f"/spot/{services.spot_token(spot=spot)}/"
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=/spot/")
    client.force_login(member.user)
    page = client.get(url).content.decode()
    assert "「伊賀上野駅」への来訪を記録しました。" in page and "5 ポイント" in page
    page = client.get(url).content.decode()  # scanned twice in a day
    assert "本日すでに記録されています" in page
    assert Visit.objects.filter(member=member).count() == 1
    assert client.get(f"/spot/{url[6:-4]}zz/").status_code == 404
    spot.is_active = False
    spot.save()
    assert client.get(url).status_code == 410


def test_spot_qr_sends_the_not_signed_in_back_after_login(client):
    spot = SpotFactory(name="だんじり会館")
    member = _member()
    url = f"/spot/{services.spot_token(spot=spot)}/"
    login = client.get(url).url
    response = client.post(login, {"login": member.user.email,
                                   "password": "correct-horse-battery"})  # fmt: skip
    assert response.status_code == 302 and response.url == url
    assert "だんじり会館" in client.get(response.url).content.decode()
    assert Visit.objects.filter(member=member, spot=spot).exists()


def test_spot_from_another_community_is_not_found(client):
    spot = SpotFactory(community=CommunityFactory())
    client.force_login(_member().user)
    assert client.get(f"/spot/{services.spot_token(spot=spot)}/").status_code == 404


# ------------------------------------------------------------------------------ member pages


def test_me_shows_usable_benefits_and_history(client, community):
    member = _member()
    usable = BenefitFactory(shop__name="かたやき本舗", title="かたやき1枚進呈")
    once = BenefitFactory(shop__name="忍者の里の食堂", title="ドリンク1杯サービス",
                          frequency=Benefit.Frequency.ONCE)  # fmt: skip
    top = community.ranks.order_by("-min_points").first()
    BenefitFactory(title="上忍だけの特典", min_rank=top)
    services.redemption_record(shop=once.shop, benefit_id=once.pk, member=member, by=None)
    services.visit_record(spot=SpotFactory(name="伊賀上野駅"), member=member)
    client.force_login(member.user)
    page = client.get("/me/").content.decode()
    section = page.split('id="benefits-title"')[1].split("</section>")[0]
    usable_part = section.split("特典の利用")[0]
    assert usable.title in usable_part
    assert "ドリンク1杯サービス" not in usable_part  # used once already
    assert "上忍だけの特典" not in usable_part
    assert "忍者の里の食堂" in section and "伊賀上野駅" in section


def test_card_page_lists_the_shops(client):
    member = _member()
    BenefitFactory(shop__name="かたやき本舗", title="かたやき1枚進呈")
    ShopFactory(name="特典のない店")
    client.force_login(member.user)
    page = client.get("/me/card/").content.decode()
    assert "会員証が使える協力店" in page and "かたやき本舗" in page
    assert "特典のない店" not in page


# ------------------------------------------------------------------------------ staff pages


@pytest.fixture
def admin_client(client, community):
    client.force_login(staff_user(community))
    return client


def test_staff_register_a_shop_with_a_benefit_and_a_clerk(admin_client, community):
    data = {"name": "伊賀焼の窯元 長谷園", "category": "craft", "area": "丸柱",
            "address": "三重県伊賀市丸柱569", "opening_hours": "9:00〜17:00",
            "latitude": "34.8360", "longitude": "136.1830", "is_active": "on"}  # fmt: skip
    response = admin_client.post("/staff/shops/new/", data)
    shop = PartnerShop.objects.get(name="伊賀焼の窯元 長谷園")
    assert response.url == f"/staff/shops/{shop.pk}/" and shop.community == community
    # The same name again, and a position with only half of it, are refused with messages.
    response = admin_client.post("/staff/shops/new/", {**data, "longitude": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "同じ名前の協力店がすでにあります。" in page
    assert "緯度と経度は両方入力するか、両方空欄にしてください。" in page
    assert 'value="丸柱"' in page

    rank = community.ranks.order_by("min_points")[1]
    response = admin_client.post(f"/staff/shops/{shop.pk}/benefits/new/", {
        "title": "10%引き", "min_rank": rank.pk, "frequency": "monthly",
        "valid_from": "2026-04-01", "valid_until": "2026-03-01", "is_active": "on"})  # fmt: skip
    assert "終了日は開始日より後にしてください。" in response.content.decode()
    admin_client.post(f"/staff/shops/{shop.pk}/benefits/new/", {
        "title": "10%引き", "min_rank": rank.pk, "frequency": "monthly",
        "valid_from": "2026-04-01", "is_active": "on"})  # fmt: skip
    benefit = Benefit.objects.get(shop=shop)
    assert benefit.community == community and benefit.min_rank == rank

    admin_client.post(f"/staff/shops/{shop.pk}/clerks/", {"email": "Mise@Example.jp"})
    post_ = ShopStaff.objects.get(shop=shop)
    assert post_.user.email == "mise@example.jp" and not post_.user.has_usable_password()
    assert StaffRole.objects.get(user=post_.user).role == StaffRole.Role.SHOP
    page = admin_client.get(f"/staff/shops/{shop.pk}/").content.decode()
    assert "mise@example.jp" in page and "10%引き" in page
    # A login that is already staff in another role is not turned into a clerk.
    other = staff_user(community, role=StaffRole.Role.VIEWER)
    response = admin_client.post(f"/staff/shops/{shop.pk}/clerks/", {"email": other.email},
                                 follow=True)  # fmt: skip
    assert "すでに別の職員の役割があります" in response.content.decode()
    admin_client.post(f"/staff/shops/{shop.pk}/clerks/{post_.user_id}/remove/")
    assert not ShopStaff.objects.exists()
    assert not StaffRole.objects.filter(user=post_.user).exists()
    # Both role changes are in the audit log, like those made on /staff/team/.
    changes = AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_CHANGE).order_by("sequence")
    assert [(e.detail["before"], e.detail["after"]) for e in changes] == [
        ("", f"shop:{shop.name}"), (f"shop:{shop.name}", ""),
    ]


def test_spot_poster_is_an_a4_japanese_pdf(admin_client, community):
    admin_client.post("/staff/shops/spots/new/", {"name": "伊賀流忍者博物館", "kind": "museum",
                                                  "is_active": "on"})  # fmt: skip
    spot = VisitSpot.objects.get(name="伊賀流忍者博物館")
    response = admin_client.get(f"/staff/shops/spots/{spot.pk}/poster.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4
    assert b"BIZUDPGothic" in pdf
    old = services.spot_token(spot=spot)
    admin_client.post(f"/staff/shops/spots/{spot.pk}/renew/")
    assert services.spot_from_token(token=old, community=community) is None


def test_reward_rules_the_waiting_list_and_hand_over(admin_client, community):
    member = _member()
    for _ in range(2):
        services.visit_record(spot=SpotFactory(), member=member)
    mail.outbox.clear()
    response = post(admin_client, "/staff/shops/rewards/new/", {
        "name": "伊賀通いの記念品", "rule": UsageReward.Rule.VISITS_12M, "threshold": "2",
        "reward": "伊賀焼の豆皿", "is_active": "on"}, follow=True)  # fmt: skip
    assert "新たに達成した会員：1人" in response.content.decode()
    assert len(mail.outbox) == 1 and "伊賀通いの記念品" in mail.outbox[0].subject
    achievement = RewardAchievement.objects.get(member=member)
    page = admin_client.get("/staff/shops/rewards/").content.decode()
    assert member.number in page and "くみひも" in page
    admin_client.post(f"/staff/shops/achievements/{achievement.pk}/hand-over/")
    achievement.refresh_from_db()
    assert achievement.handed_over_at is not None
    page = admin_client.get("/staff/shops/rewards/").content.decode()  # the message is shown
    assert "を渡したことを記録しました" in page
    assert member.number not in admin_client.get("/staff/shops/rewards/").content.decode()
    bad = {"name": "x", "rule": UsageReward.Rule.VISITS_12M, "threshold": "0", "reward": "x"}
    response = admin_client.post("/staff/shops/rewards/new/", bad)
    assert response.status_code == 400


def test_staff_of_another_community_see_none_of_these_shops(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    shop = ShopFactory()
    other = CommunityFactory()
    client.force_login(staff_user(other))
    response = client.get(f"/staff/shops/{shop.pk}/", HTTP_HOST=other.domain)
    assert response.status_code == 404


def test_the_spot_token_is_signed_with_its_own_salt(client):
    """A member card token pasted into the spot URL is no spot."""
    member = _member()
    client.force_login(member.user)
    response = client.get(f"/spot/{card_token_issue(member=member)}/")
    assert response.status_code == 404
    forged = signing.dumps({"s": SpotFactory().pk, "k": "guess"}, salt=services.SPOT_SALT[:-1])
    assert client.get(f"/spot/{forged}/").status_code == 404


@pytest.mark.parametrize("url", ["/staff/shops/", "/staff/shops/spots/", "/staff/shops/rewards/"])
def test_staff_lists_run_a_fixed_number_of_queries(
    admin_client, url, django_assert_max_num_queries
):
    def count():
        with django_assert_max_num_queries(12) as captured:
            assert admin_client.get(url).status_code == 200
        return len(captured)

    def grow(n):
        for _ in range(n):
            benefit = BenefitFactory()
            member = MemberFactory()
            spot = SpotFactory(shop=benefit.shop)
            services.visit_record(spot=spot, member=member)
            RewardAchievement.objects.create(reward=reward, member=member)

    reward = RewardFactory(threshold=50)
    grow(2)
    small = count()
    grow(10)
    assert count() == small


def test_a_clerk_added_by_staff_signs_in_with_a_mailed_code(admin_client, shop):
    admin_client.post(f"/staff/shops/{shop.pk}/clerks/", {"email": "mise@example.jp"})
    mail.outbox.clear()
    client = Client()  # the shop's phone
    response = post(client, "/accounts/login/code/", {"email": "mise@example.jp"})
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[0].body, re.MULTILINE).group(1)
    response = post(client, response["Location"], {"code": code})
    assert response.status_code == 302 and response.url == "/shop/"
    assert "伊賀焼の窯元 長谷園の受付" in client.get("/shop/").content.decode()


def test_a_shop_photo_is_uploaded_cleaned_and_shown(admin_client, community):
    import io
    import os

    from PIL import Image

    from tests.news.factories import upload

    shop = ShopFactory(name="和菓子処 かたやき庵")
    edit = f"/staff/shops/{shop.pk}/edit/"
    data = {"name": shop.name, "category": shop.category, "area": shop.area,
            "address": shop.address, "is_active": "on"}  # fmt: skip
    # Larger than the 512 KB other pages take; it carries a GPS position in its EXIF.
    exif = Image.Exif()
    exif[0x8825] = {2: (34, 46, 0)}
    out = io.BytesIO()
    Image.frombytes("RGB", (2400, 1600), os.urandom(2400 * 1600 * 3)).save(
        out, "JPEG", exif=exif, quality=90
    )
    photo = out.getvalue()
    assert len(photo) > 512 * 1024
    response = admin_client.post(edit, {**data, "photo": upload(content=photo)})
    assert response.status_code == 400  # the photo needs its description
    assert "写真に写っているものを書いてください。" in response.content.decode()
    assert 'value="和菓子処 かたやき庵"' in response.content.decode()
    response = admin_client.post(
        edit, {**data, "photo": upload(content=photo), "photo_alt": "店先に並ぶかたやき"}
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    with Image.open(shop.photo.path) as stored:
        assert stored.size == (2000, 1333) and not stored.getexif()
    page = admin_client.get("/shops/").content.decode()
    assert f'src="{shop.photo.url}" alt="店先に並ぶかたやき"' in page
    # Not a picture: refused with a message, the shop keeps its photo.
    response = admin_client.post(
        edit, {**data, "photo": upload(content=b"%PDF-1.4 not a photo"), "photo_alt": "x"}
    )
    assert "画像でないか、または壊れています" in response.content.decode()
    shop.refresh_from_db()
    assert shop.photo


def test_a_mistyped_clerk_address_is_kept_and_explained(admin_client, community):
    shop = ShopFactory()
    response = admin_client.post(f"/staff/shops/{shop.pk}/clerks/", {"email": "mise@example"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="mise@example"' in page and "入力内容を確認してください" in page
    assert not ShopStaff.objects.exists()
