from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from enishi.activities import services
from enishi.activities.models import Application
from enishi.activities.services import ActivityError
from tests.factories import MemberFactory

from .factories import SessionFactory

S = Application.Status


def _apply_all(session, members) -> list[str]:
    def apply(member):
        try:
            return services.application_apply(session=session, member=member).status
        except ActivityError as error:
            return error.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(apply, members))


# serialized_rollback: put back the rows the migrations made (the 伊賀衆 community) afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_simultaneous_applicants_never_exceed_capacity():
    session = SessionFactory(capacity=5, waitlist=False)
    outcomes = _apply_all(session, [MemberFactory() for _ in range(24)])
    assert sorted(outcomes).count(S.ACCEPTED) == 5
    assert outcomes.count("full") == 19
    assert session.applications.filter(status=S.ACCEPTED).count() == 5
    assert session.applications.count() == 5  # the refused left nothing behind


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_simultaneous_applicants_queue_on_the_waiting_list_in_distinct_places():
    session = SessionFactory(capacity=3, waitlist=True)
    outcomes = _apply_all(session, [MemberFactory() for _ in range(16)])
    assert outcomes.count(S.ACCEPTED) == 3 and outcomes.count(S.WAITLISTED) == 13
    positions = sorted(
        session.applications.filter(status=S.WAITLISTED).values_list("waitlist_position", flat=True)
    )
    assert positions == list(range(1, 14))
    # Everyone accepted cancels at once: exactly three move up, the first three in line.
    accepted = list(session.applications.filter(status=S.ACCEPTED))

    def cancel(application):
        try:
            services.application_cancel(application=application, by=None)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(cancel, accepted))
    promoted = session.applications.filter(status=S.ACCEPTED)
    assert promoted.count() == 3
    assert (
        sorted(a.events.order_by("pk").last().from_status for a in promoted) == [S.WAITLISTED] * 3
    )
    still_waiting = session.applications.filter(status=S.WAITLISTED)
    assert min(still_waiting.values_list("waitlist_position", flat=True)) == 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_one_member_tapping_apply_twice_at_once_gets_one_application():
    session = SessionFactory(capacity=None)
    member = MemberFactory()
    outcomes = _apply_all(session, [member] * 4)
    assert sorted(outcomes) == ["accepted", "duplicate", "duplicate", "duplicate"]
    assert Application.objects.filter(member=member).count() == 1
