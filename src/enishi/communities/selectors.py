from django.db.models import QuerySet

from .models import Community, Rank, Tag


def community_for_host(host: str) -> Community | None:
    """The community served at this host name, or the default (first) community."""
    return (
        Community.objects.filter(domain=host).first()
        or Community.objects.filter(domain="").order_by("pk").first()
    )


def rank_for_points(*, community: Community, points: int) -> Rank | None:
    return community.ranks.filter(min_points__lte=points).order_by("-min_points").first()


def active_tags(*, community: Community, kind: str) -> QuerySet[Tag]:
    return community.tags.filter(kind=kind, is_active=True)
