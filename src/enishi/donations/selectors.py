"""Reads of donations and contacts used by the staff pages and the dashboard."""

import operator
from dataclasses import dataclass
from datetime import date
from functools import reduce

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from enishi.communities.models import Community
from enishi.core.text import kana_search_key, to_half_width_ascii
from enishi.mailings.models import SuppressedAddress

from .models import Answer, Contact, Donation, MatchReview


def fiscal_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 4, 1)


@dataclass
class Totals:
    count: int
    amount: int
    linked_count: int
    linked_amount: int
    by_month: list[tuple[str, int, int]]  # (YYYY-MM, count, amount)
    by_portal: list[tuple[str, int, int]]

    @property
    def unlinked_count(self) -> int:
        return self.count - self.linked_count

    @property
    def unlinked_amount(self) -> int:
        return self.amount - self.linked_amount


def donation_totals(*, community: Community, year: int) -> Totals:
    """A fiscal year's donations: totals, linked to a member or not, by month and by portal
    (three queries, whatever the number of donations)."""
    start, end = fiscal_year_bounds(year)
    donations = Donation.objects.filter(community=community, donated_on__gte=start,
                                        donated_on__lt=end)  # fmt: skip
    linked = Q(member__isnull=False)
    whole = donations.aggregate(
        n=Count("pk"), total=Sum("amount"),
        linked_n=Count("pk", filter=linked), linked_total=Sum("amount", filter=linked),
    )  # fmt: skip
    months = (
        donations.annotate(y=ExtractYear("donated_on"), m=ExtractMonth("donated_on"))
        .values("y", "m").annotate(n=Count("pk"), total=Sum("amount")).order_by("y", "m")
    )  # fmt: skip
    portals = (
        donations.values("portal").annotate(n=Count("pk"), total=Sum("amount"))
        .order_by("-total", "portal")
    )  # fmt: skip
    return Totals(
        count=whole["n"], amount=whole["total"] or 0,
        linked_count=whole["linked_n"], linked_amount=whole["linked_total"] or 0,
        by_month=[(f"{r['y']}-{r['m']:02d}", r["n"], r["total"]) for r in months],
        by_portal=[(r["portal"], r["n"], r["total"]) for r in portals],
    )  # fmt: skip


def contact_search(*, community: Community, q: str) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(community=community, member__isnull=True)
    q = q.strip()
    if not q:
        return contacts
    ascii_q = to_half_width_ascii(q).lower()
    return contacts.filter(
        Q(name__contains=q) | Q(kana_key__contains=kana_search_key(q))
        | Q(email__contains=ascii_q)
    )  # fmt: skip


def open_reviews(*, community: Community) -> QuerySet[MatchReview]:
    return MatchReview.objects.filter(community=community, status=MatchReview.Status.OPEN)


def review_candidates(reviews: list[MatchReview]) -> dict[tuple[str, int], object]:
    """The members and contacts a page of reviews names, in two queries."""
    from enishi.members.models import Member

    member_ids = {c["id"] for r in reviews for c in r.candidates if c["kind"] == "member"}
    contact_ids = {c["id"] for r in reviews for c in r.candidates if c["kind"] == "contact"}
    found = {("member", m.pk): m for m in Member.objects.filter(pk__in=member_ids)
             .select_related("user")}  # fmt: skip
    found |= {("contact", c.pk): c for c in Contact.objects.filter(pk__in=contact_ids)}
    return found


def latent_counts(*, community: Community, periods: list) -> list[int]:
    """Contacts not (yet) members as of each period (its end, or now), in one query."""
    ats = [period.as_of for period in periods]
    figures = {
        f"n{k}": Count("pk", filter=Q(created_at__lt=at)
                       & (Q(merged_at__isnull=True) | Q(merged_at__gte=at)))
        for k, at in enumerate(ats)
    }  # fmt: skip
    row = Contact.objects.filter(community=community).aggregate(**figures)
    return [row[f"n{k}"] for k in range(len(ats))]


def invitation_counts(*, community: Community) -> dict:
    """Contacts not yet members, by whether an invitation may go to them and why not (one
    query)."""
    suppressed = Exists(SuppressedAddress.objects.filter(email=OuterRef("email")))
    contacts = Contact.objects.filter(community=community, member__isnull=True)
    yes = Q(info_consent=Answer.YES)
    invited = Q(invitation__isnull=False) | Q(claimed_by__isnull=False)
    return contacts.aggregate(
        total=Count("pk"),
        no_consent=Count("pk", filter=~yes),
        no_email=Count("pk", filter=yes & Q(email="")),
        invited=Count("pk", filter=yes & ~Q(email="") & invited),
        suppressed=Count("pk", filter=yes & ~Q(email="") & ~invited & Q(suppressed)),
        invitable=Count("pk", filter=yes & ~Q(email="") & ~invited & ~Q(suppressed)),
    )


def donation_figures(*, community: Community, periods: list) -> list[dict]:
    """Donations dated in each period (Japan-time days): count, yen, and whose they are (a
    member's, a contact's, waiting for review), in one query."""
    figures = {}
    for k, period in enumerate(periods):
        within = Q(donated_on__gte=period.first_day, donated_on__lte=period.last_day)
        figures |= {
            f"count_{k}": Count("pk", filter=within),
            f"amount_{k}": Sum("amount", filter=within),
            f"member_{k}": Count("pk", filter=within & Q(member__isnull=False)),
            f"contact_{k}": Count("pk", filter=within & Q(member__isnull=True,
                                                          contact__isnull=False)),
            f"review_{k}": Count("pk", filter=within & Q(match=Donation.Match.REVIEW)),
        }  # fmt: skip
    row = Donation.objects.filter(community=community).aggregate(**figures)
    keys = ("count", "amount", "member", "contact", "review")
    return [{key: row[f"{key}_{k}"] or 0 for key in keys} for k in range(len(periods))]


# ---- contacts as mailing recipients (invitations to join) -------------------------------


def reachable_contacts(*, community: Community) -> QuerySet[Contact]:
    """Contacts an invitation may still reach: not members (nor registering through an
    invitation), with an address that has not bounced, whose latest answer about information
    from the municipality is yes. Asked again at send time, as for members."""
    return (
        Contact.objects.filter(community=community, member__isnull=True,
                               claimed_by__isnull=True, info_consent=Answer.YES)  # fmt: skip
        .exclude(email="")
        .filter(~Exists(SuppressedAddress.objects.filter(email=OuterRef("email"))))
    )


def invitable_contacts(*, community: Community) -> QuerySet[Contact]:
    """Reachable contacts who have not been invited yet: each contact is invited once."""
    return reachable_contacts(community=community).filter(invitation__isnull=True)


def gave_in(period: dict, **whose) -> Exists:
    """A segment's "donated" condition: a donation of `whose` (member= or contact=, an
    OuterRef) dated within the period ({"from", "to"} ISO days, either may be missing)."""
    donations = Donation.objects.filter(**whose)
    if period.get("from"):
        donations = donations.filter(donated_on__gte=date.fromisoformat(period["from"]))
    if period.get("to"):
        donations = donations.filter(donated_on__lte=date.fromisoformat(period["to"]))
    return Exists(donations)


def contact_condition_q(key: str, value) -> Q | None:
    """One condition of a contacts segment as a Q (None when the value is empty)."""
    if value in (None, "", [], False):
        return None
    match key:
        case "everyone":
            return Q()
        case "sources":
            return Q(source__in=value)
        case "donated":
            return Q(gave_in(value, contact=OuterRef("pk")))
    raise ValueError(f"unknown contact segment condition {key!r}")


def segment_contacts(*, community: Community, match: str, conditions: dict) -> QuerySet[Contact]:
    """The contacts a contacts segment chooses among those an invitation may go to (one
    query)."""
    parts = [q for key, value in conditions.items()
             if (q := contact_condition_q(key, value)) is not None]  # fmt: skip
    contacts = invitable_contacts(community=community)
    if not parts:
        return contacts.none()
    return contacts.filter(reduce(operator.and_ if match == "all" else operator.or_, parts))
