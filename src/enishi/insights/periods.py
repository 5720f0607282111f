"""The periods the dashboard and the reports speak of, in Japan time.

A period is a half-open interval [start, end) of aware datetimes. Figures "as of" a period
are taken at its end, or now when the period has not ended yet. Fiscal years start on 1 April.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _


def _at_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def fiscal_year_of(day: date) -> int:
    """The fiscal year of a day, named by the year it starts in (2025年度: Apr 2025–Mar 2026)."""
    return day.year if day.month >= 4 else day.year - 1


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str  # "month", "fiscal_year" or "custom"
    first_day: date
    last_day: date  # inclusive

    @property
    def start(self) -> datetime:
        return _at_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return _at_midnight(self.last_day + timedelta(days=1))

    @property
    def as_of(self) -> datetime:
        """When the period's standing figures are taken: its end, or now if it has not ended."""
        return min(self.end, timezone.now())

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.first_day)

    @property
    def label(self) -> str:
        if self.kind == "fiscal_year":
            return _("%(year)s年度") % {"year": self.fiscal_year}
        if self.kind == "month":
            return _("%(year)s年%(month)s月") % {
                "year": self.first_day.year,
                "month": self.first_day.month,
            }
        return f"{self.first_day:%Y-%m-%d} – {self.last_day:%Y-%m-%d}"

    def previous(self) -> "Period":
        """The period just before, of the same kind and length."""
        if self.kind == "fiscal_year":
            return fiscal_year(self.fiscal_year - 1)
        if self.kind == "month":
            return month(_add_months(self.first_day, -1))
        last = self.first_day - timedelta(days=1)
        return Period("custom", last - timedelta(days=self.days - 1), last)

    def months(self) -> list[date]:
        """The first day of every month the period touches (up to today)."""
        last = min(self.last_day, timezone.localdate())
        result, day = [], self.first_day.replace(day=1)
        while day <= last:
            result.append(day)
            day = _add_months(day, 1)
        return result


def month(day: date) -> Period:
    first = day.replace(day=1)
    return Period("month", first, _add_months(first, 1) - timedelta(days=1))


def fiscal_year(year: int) -> Period:
    return Period("fiscal_year", date(year, 4, 1), date(year + 1, 3, 31))


def custom(first_day: date, last_day: date) -> Period:
    return Period("custom", first_day, last_day)
