from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction

from enishi.insights.models import EngagementDay, MemberMonth
from enishi.insights.summaries import rebuild
from enishi.ledger.models import Engagement, Kind
from enishi.ledger.services import engagement_correct, engagement_record
from tests.factories import MemberFactory

AT = datetime(2025, 6, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo"))


def _at_once(functions) -> None:
    def call(function):
        try:
            with transaction.atomic():
                function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(functions)) as pool:
        list(pool.map(call, functions))


# serialized_rollback: put back the rows the migrations made (the 伊賀衆 community) afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_writers_at_once_lose_no_count():
    member = MemberFactory()
    others = [MemberFactory(community=member.community) for _ in range(3)]
    earlier = [engagement_record(member=member, kind=Kind.VISIT, points=20, occurred_at=AT)
               for _ in range(3)]  # fmt: skip

    def visit(who):
        return lambda: engagement_record(member=who, kind=Kind.VISIT, points=20, occurred_at=AT)

    def correct(entry):
        return lambda: engagement_correct(entry=entry, note="誤り", created_by=None)

    _at_once([visit(member), visit(member), *[visit(o) for o in others],
              *[correct(e) for e in earlier]])  # fmt: skip
    day = EngagementDay.objects.get(community=member.community, day=AT.date(), kind=Kind.VISIT)
    assert day.n == 5  # 3 + 2 + 3 recorded, 3 corrected
    assert MemberMonth.objects.get(member=member).n == 2
    kept = (sorted(EngagementDay.objects.values_list("day", "kind", "organizer", "n")),
            sorted(MemberMonth.objects.values_list("member_id", "month", "first_at", "n")))
    rebuild(community=member.community)
    assert kept == (sorted(EngagementDay.objects.values_list("day", "kind", "organizer", "n")),
                    sorted(MemberMonth.objects.values_list("member_id", "month", "first_at", "n")))
    assert Engagement.objects.filter(member=member).count() == 8
