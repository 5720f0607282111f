"""The dashboard drawn from figures the worker counted: what a page shows before, during and
after a recount, and that drawing it runs no aggregate over the ledger."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.tasks import default_task_backend
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enishi.communities.models import StaffRole
from enishi.insights.snapshots import refresh_dashboard
from enishi.ledger.models import Kind
from enishi.ledger.services import engagement_record
from tests.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db

FY2024 = "/staff/insights/?period=fiscal_year&fiscal_year=2024"
COUNTING = "数字を集計しています"
RECOUNTING = "最新の数字を集計しています"


@pytest.fixture
def worker(settings):
    """Tasks wait in a queue until `run()` plays the worker; figures stay fresh 10 minutes."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.ENISHI_INSIGHTS_MAX_AGE = 600

    class Worker:
        @property
        def queued(self):
            results = default_task_backend.results
            return [r for r in results if r.task.func is refresh_dashboard.func]

        def run(self):
            for result in self.queued:
                refresh_dashboard.call(*result.args, **result.kwargs)
            default_task_backend.clear()

    return Worker()


@pytest.fixture
def admin(client, community):
    client.force_login(staff_user(community, role=StaffRole.Role.ADMIN))
    return client


def _sections(page: str) -> str:
    """The figures of a page, without the line that says when they were counted."""
    body = page[page.index('<div id="figures"'):page.index('<section id="reports"')]
    return re.sub(r'<p class="counted-at".*?</p>', "", body, flags=re.S)


def test_before_the_first_count_the_page_says_so_and_asks_the_worker_once(
    admin, dataset, worker
):
    page = admin.get(FY2024).content.decode()
    assert COUNTING in page
    assert f'hx-get="{FY2024.replace("&", "&amp;")}"' in page  # it fetches itself again
    assert 'id="headline"' not in page
    admin.get(FY2024)
    assert len(worker.queued) == 1  # a second look does not queue a second count

    worker.run()
    page = admin.get(FY2024).content.decode()
    assert COUNTING not in page and RECOUNTING not in page
    assert "時点の集計です" in page
    assert "hx-get" not in page[page.index('<div id="figures"'):][:300]  # done: no more polling
    assert worker.queued == []


def test_figures_from_the_worker_are_the_figures_counted_live(
    admin, dataset, worker, settings
):
    admin.get(FY2024)
    worker.run()
    cached = _sections(admin.get(FY2024).content.decode())
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.ENISHI_INSIGHTS_MAX_AGE = 0
    live = _sections(admin.get(FY2024).content.decode())
    assert 'id="headline"' in live and 'id="retention"' in live
    assert cached == live


def test_old_figures_are_shown_with_their_time_while_the_worker_recounts(
    admin, community, dataset, worker, settings, monkeypatch
):
    admin.get("/staff/insights/")
    worker.run()
    a = dataset["a"]
    engagement_record(member=a, kind=Kind.VISIT, points=20, occurred_at=a.joined_at)
    page = admin.get("/staff/insights/").content.decode()
    assert RECOUNTING not in page and worker.queued == []  # fresh for 10 minutes

    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr("enishi.insights.snapshots.timezone.now", lambda: later)
    page = admin.get("/staff/insights/").content.decode()
    assert RECOUNTING in page and 'id="headline"' in page
    assert 'hx-trigger="load delay:3s"' in page
    assert len(worker.queued) == 1

    worker.run()
    htmx = admin.get("/staff/insights/", headers={"HX-Request": "true"}).content.decode()
    assert htmx.lstrip().startswith('<div id="figures"')  # only the figures, for the swap
    assert "<html" not in htmx and RECOUNTING not in htmx


def test_a_recount_for_one_organizer_counts_only_what_depends_on_the_organizer(
    client, community, dataset, worker
):
    client.force_login(staff_user(community, role=StaffRole.Role.ADMIN))
    client.get(FY2024)
    with CaptureQueriesContext(connection) as whole:
        worker.run()
    counted_for_all = len(whole)  # read now: the next request empties the query log
    organizer = dataset["organizer"]
    client.force_login(staff_user(community, role=StaffRole.Role.ORGANIZER, organizer=organizer))
    assert COUNTING in client.get(FY2024).content.decode()  # its own activities: not yet
    with CaptureQueriesContext(connection) as one:
        worker.run()
    assert len(one) < counted_for_all / 2  # the six uses and the activities, nothing else
    page = client.get(FY2024).content.decode()
    assert 'id="doings"' in page and "田植え体験" in page and "忍者講座" not in page


def test_a_page_from_counted_figures_runs_the_same_few_queries_at_any_size(
    admin, community, dataset, worker
):
    admin.get(FY2024)
    worker.run()
    admin.get(FY2024)
    with CaptureQueriesContext(connection) as small:
        assert "時点の集計です" in admin.get(FY2024).content.decode()
    queries = len(small)  # read now: the next request empties the query log
    for _ in range(30):
        member = MemberFactory()
        engagement_record(member=member, kind=Kind.VISIT, points=20, occurred_at=member.joined_at)
    with CaptureQueriesContext(connection) as large:
        admin.get(FY2024)
    assert len(large) == queries <= 12
    assert not any("ledger_engagement" in q["sql"] for q in large.captured_queries)


def test_a_cached_figure_that_cannot_be_read_any_more_is_counted_again(
    admin, dataset, worker, monkeypatch
):
    """Figures hold plain data and model rows: after an upgrade changes a model, what an older
    release stored may not unpickle. That is a missing figure, not a broken page."""
    admin.get(FY2024)
    worker.run()

    class StoredByAnOlderRelease:
        def __getattr__(self, name):
            return getattr(cache, name)

        def get(self, key, *args, **kwargs):
            if key.startswith("insights:figure:"):
                raise AttributeError("Can't get attribute 'Rank' on <module 'enishi.communities'>")
            return cache.get(key, *args, **kwargs)

    monkeypatch.setattr("enishi.insights.snapshots.cache", StoredByAnOlderRelease())
    assert COUNTING in admin.get(FY2024).content.decode()
    assert len(worker.queued) == 1
