"""The dashboard's figures, kept ready in the cache so the page never waits for the aggregates.

Every figure on the dashboard comes from one selector call (`selectors.standings(...)`,
`selectors.growth(...)`…). A `Figures` either computes those calls and stores each result
under a key made of the selector and its arguments (community, period, organizer…), or reads
them back. The page reads; the worker task `refresh_dashboard` computes. A page whose figures
are missing or older than `ENISHI_INSIGHTS_MAX_AGE` asks for a refresh (one at a time per set
of filters) and shows what it has meanwhile, with the time it was counted; a page with nothing
yet shows that it is counting and fetches itself again until the figures are there.

Results are kept per selector call, not per page, so the filters that share a figure share
its work: the organizer filter only changes the "what they do" figures. The stored values
are plain data (numbers, dates, rows): language and who may follow member links are applied
when the page is drawn, so every member of staff shares one computation.
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Model
from django.tasks import task
from django.utils import timezone

from .periods import Period

logger = logging.getLogger(__name__)

# Kept well beyond the refresh age: an old figure shown with its time beats a blank page.
KEEP_SECONDS = 14 * 24 * 3600
# A refresh that has not finished after this long (a worker that died) may be asked again.
REFRESH_LOCK_SECONDS = 15 * 60


class NotReady(Exception):
    """A figure the cache does not hold yet."""


def _token(value) -> str:
    if isinstance(value, Model):
        return f"{value._meta.label_lower}:{value.pk}"
    if isinstance(value, Period):
        return f"{value.first_day}..{value.last_day}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_token(item) for item in value) + "]"
    return repr(value)


def figure_key(selector: Callable, arguments: dict) -> str:
    described = ",".join(f"{name}={_token(value)}" for name, value in sorted(arguments.items()))
    digest = hashlib.sha256(f"{selector.__qualname__}({described})".encode()).hexdigest()
    return f"insights:figure:{digest}"


class Figures:
    """Selector results, computed and stored (`compute=True`) or read from the cache."""

    def __init__(self, *, compute: bool):
        self.compute = compute
        self.counted_at: datetime | None = None  # when the oldest figure used was computed
        self.stale = False

    def get(self, selector: Callable, **arguments):
        key = figure_key(selector, arguments)
        try:
            stored = cache.get(key)
        except Exception:  # noqa: BLE001 — stored by an older release (a model changed since)
            logger.warning("insights: unreadable cached figure %s, counting it again", key)
            stored = None
        fresh = stored is not None and timezone.now() - stored[0] < timedelta(
            seconds=settings.ENISHI_INSIGHTS_MAX_AGE
        )
        if self.compute:
            if fresh:  # counted for another page a moment ago: not again
                return stored[1]
            value = selector(**arguments)
            cache.set(key, (timezone.now(), value), KEEP_SECONDS)
            return value
        if stored is None:
            raise NotReady(key)
        counted_at, value = stored
        if self.counted_at is None or counted_at < self.counted_at:
            self.counted_at = counted_at
        self.stale = self.stale or not fresh
        return value


def _lock_key(community_id: int, params: dict, organizer_id: int | None) -> str:
    described = repr((community_id, sorted(params.items()), organizer_id))
    return "insights:refreshing:" + hashlib.sha256(described.encode()).hexdigest()


def refresh_request(*, community_id: int, params: dict, organizer_id: int | None) -> None:
    """Ask the worker to recompute the figures for these filters, unless it already is."""
    lock = _lock_key(community_id, params, organizer_id)
    if cache.add(lock, True, REFRESH_LOCK_SECONDS):
        refresh_dashboard.enqueue(
            community_id=community_id, params=params, organizer_id=organizer_id
        )


@task
def refresh_dashboard(*, community_id: int, params: dict, organizer_id: int | None) -> None:
    """Recompute every figure of the dashboard for one set of filters (the GET parameters the
    page was asked with, and the organizer an organizer's staff is limited to)."""
    from enishi.communities.models import Community, Organizer

    from .dashboard import build_sections, context_for
    from .selectors import analytic_queries

    try:
        community = Community.objects.get(pk=community_id)
        organizer = Organizer.objects.filter(pk=organizer_id, community=community).first()
        _form, ctx = context_for(
            community=community, params=params, fixed_organizer=organizer,
            figures=Figures(compute=True),
        )  # fmt: skip
        with analytic_queries():
            build_sections(ctx, params.get("prefecture") or None)
    finally:
        cache.delete(_lock_key(community_id, params, organizer_id))
