from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from enishi.members import services
from enishi.members.models import Member
from tests.factories import MemberFactory


# serialized_rollback: put back the rows the migrations made (the 伊賀衆 community) afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_members_verified_at_the_same_time_get_distinct_numbers():
    pending = [MemberFactory(status=Member.Status.PENDING, number=None) for _ in range(12)]

    def activate(member):
        try:
            return services.member_activate(member=member).number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(activate, pending))
    assert len(set(numbers)) == 12
    sequence = sorted(int(n.split("-")[1]) for n in numbers)
    assert sequence == list(range(sequence[0], sequence[0] + 12))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_two_taps_on_register_at_once_make_one_member():
    from django.test import Client

    from .helpers import VALID_JOIN

    def tap(_):
        try:
            return Client().post("/join/", VALID_JOIN).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=3) as pool:
        codes = list(pool.map(tap, range(3)))
    assert codes == [302, 302, 302]  # each tap gets the same neutral answer, none a 500
    assert Member.objects.count() == 1
