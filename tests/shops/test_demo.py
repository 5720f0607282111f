import re

import pytest
from django.core import mail
from django.core.management import call_command

from enishi.ledger.models import Engagement
from enishi.members.demo import DEMO_MEMBER_EMAIL
from enishi.shops.demo import CLERK_EMAIL
from enishi.shops.models import Benefit, PartnerShop, Redemption, RewardAchievement, Visit

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_iga_shops_spots_history_and_a_clerk(client, community, capsys):
    call_command("seed_demo", members=200)
    output = capsys.readouterr().out
    shops = PartnerShop.objects.filter(community=community)
    assert shops.count() == 10
    assert {"伊賀焼の窯元 丸柱窯", "和菓子処 かたやき庵", "忍者の里の食堂"} <= set(
        shops.values_list("name", flat=True)
    )
    assert Benefit.objects.filter(community=community, min_rank__isnull=False).exists()
    assert Redemption.objects.exists() and Visit.objects.exists()
    assert RewardAchievement.objects.exists()
    assert not mail.outbox  # seeding tells no one
    # Every redemption and visit is in the ledger once.
    assert Engagement.objects.filter(source_type="shop_redemption").count() == (
        Redemption.objects.count()
    )
    assert Engagement.objects.filter(source_type="spot_visit").count() == Visit.objects.count()
    demo = Redemption.objects.filter(member__user__email=DEMO_MEMBER_EMAIL)
    assert demo.count() == 2

    # The clerk's login printed on the terminal opens the counter, and only that.
    password = re.search(rf"{re.escape(CLERK_EMAIL)}  パスワード: (\S+)", output).group(1)
    response = client.post("/accounts/login/", {"login": CLERK_EMAIL, "password": password})
    assert response.url == "/shop/"
    assert "伊賀焼の窯元 丸柱窯の受付" in client.get("/shop/").content.decode()
    assert client.get("/staff/").status_code == 403

    # A second run adds no shops and no history.
    before = Redemption.objects.count()
    call_command("seed_demo", members=200)
    assert PartnerShop.objects.count() == 10 and Redemption.objects.count() == before
