from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from enishi.ledger.models import Engagement
from enishi.shops import services
from enishi.shops.models import Benefit, Redemption
from tests.factories import MemberFactory

from .factories import BenefitFactory, SpotFactory


def _at_once(function, count: int) -> list[str]:
    def call(_):
        try:
            function()
            return "recorded"
        except services.RedemptionRefused as refused:
            return refused.reason
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


# serialized_rollback: put back the rows the migrations made (the 伊賀衆 community) afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_clerks_tapping_at_once_record_one_monthly_redemption():
    benefit = BenefitFactory(frequency=Benefit.Frequency.MONTHLY)
    member = MemberFactory()

    def tap():
        services.redemption_record(shop=benefit.shop, benefit_id=benefit.pk, member=member, by=None)

    outcomes = _at_once(tap, 6)
    assert sorted(outcomes) == ["recorded"] + ["used_this_month"] * 5
    assert Redemption.objects.filter(member=member).count() == 1
    assert Engagement.objects.filter(member=member, source_type="shop_redemption").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_a_poster_scanned_twice_at_once_counts_once():
    spot = SpotFactory()
    member = MemberFactory()
    outcomes = []

    def scan():
        outcomes.append(services.visit_record(spot=spot, member=member).outcome)

    _at_once(scan, 4)
    assert sorted(outcomes) == ["already"] * 3 + ["recorded"]
    assert Engagement.objects.filter(member=member, source_type="spot_visit").count() == 1
