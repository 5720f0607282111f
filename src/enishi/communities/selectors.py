from django.db.models import Case, Q, QuerySet, When

from .models import Community, Tag


def community_for_host(host: str) -> Community | None:
    """The community served at this host name, or else the default (first) community."""
    return (
        Community.objects.filter(Q(domain=host) | Q(domain=""))
        .annotate(exact=Case(When(domain=host, then=0), default=1))
        .order_by("exact", "pk")
        .first()
    )


def active_tags(*, community: Community, kind: str) -> QuerySet[Tag]:
    return community.tags.filter(kind=kind, is_active=True)
