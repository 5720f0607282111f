"""Reads of member data used by more than one view."""

from django.db.models import Q, QuerySet

from enishi.communities.models import Community
from enishi.core.text import kana_search_key, to_half_width_ascii

from .models import Member


def member_for_user(*, community: Community, user) -> Member | None:
    """The signed-in person's current membership of this community, if any."""
    if not user.is_authenticated:
        return None
    return (
        Member.objects.select_related("community")
        .filter(community=community, user=user)
        .exclude(status=Member.Status.WITHDRAWN)
        .first()
    )


def active_member_count(*, community: Community) -> int:
    return Member.objects.filter(community=community, status=Member.Status.ACTIVE).count()


# "Newest first" goes by registration, which every member has (pending ones have no join date
# yet), so the default order is one index scan on (community, -created_at, -id).
SORTS = {
    "-joined": ("-created_at", "-pk"),
    "joined": ("created_at", "pk"),
    "number": ("number", "pk"),
    "kana": ("search_kana", "pk"),
    "prefecture": ("prefecture_code", "search_kana", "pk"),
}


# The staff list's filters (MemberFilterForm fields) and the lookups they stand for.
FILTERS = {
    "prefecture": "prefecture_code",
    "tie": "ties__tie",
    "use": "uses__use",
    "topic": "topics",
    "status": "status",
    "joined_from": "joined_at__date__gte",
    "joined_to": "joined_at__date__lte",
}


def staff_member_search(*, members: QuerySet[Member], filters: dict) -> QuerySet[Member]:
    """Of `members` (those the staff member may see), the ones matching the staff list's
    filters, in the chosen order.

    `filters` is the cleaned data of MemberFilterForm; empty values do not filter.
    """
    qs = members
    if q := to_half_width_ascii(filters.get("q") or "").strip():
        compact = "".join(q.split())
        match = Q(search_name__icontains=compact) | Q(nickname__icontains=q)
        if q.isascii():
            # Emails and member numbers are ASCII: only ASCII terms need the join to users.
            match |= Q(user__email__icontains=q) | Q(number__icontains=q)
        else:
            match |= Q(search_kana__icontains=kana_search_key(q))
        qs = qs.filter(match)
    qs = qs.filter(
        **{lookup: filters[name] for name, lookup in FILTERS.items() if filters.get(name)}
    )
    return qs.order_by(*SORTS.get(filters.get("sort") or "-joined", SORTS["-joined"]))
