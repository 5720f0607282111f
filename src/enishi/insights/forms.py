from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Organizer

from . import periods
from .periods import fiscal_year_of

MAX_CUSTOM_DAYS = 3 * 366


def fiscal_year_choices():
    this = fiscal_year_of(timezone.localdate())
    return [(year, _("%(year)s年度") % {"year": year}) for year in range(this, this - 10, -1)]


class InsightsFilterForm(forms.Form):
    """The dashboard's period and organizer; every field is optional (default: this fiscal
    year, every organizer)."""

    hide_optional_marks = True

    period = forms.ChoiceField(
        label=_("期間"),
        required=False,
        choices=[("fiscal_year", _("年度")), ("month", _("月")), ("custom", _("期間を指定"))],
    )
    fiscal_year = forms.TypedChoiceField(
        label=_("年度"), required=False, coerce=int, choices=fiscal_year_choices
    )
    month = forms.CharField(
        label=_("月"), required=False, widget=forms.DateInput(attrs={"type": "month"}),
        help_text=_("例：2025-04"),
    )  # fmt: skip
    date_from = forms.DateField(
        label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    organizer = forms.ModelChoiceField(
        label=_("主催団体（活動・関わりの集計）"),
        required=False,
        queryset=Organizer.objects.none(),
        empty_label=_("すべて"),
    )

    def __init__(self, data=None, *, community, fixed_organizer=None, **kwargs):
        if data is not None and fixed_organizer is not None:
            data = data.copy()  # an organizer's staff see their own organizer's figures only
            data["organizer"] = str(fixed_organizer.pk)
        super().__init__(data, **kwargs)
        self.fixed_organizer = fixed_organizer
        queryset = Organizer.objects.filter(community=community).order_by("name")
        if fixed_organizer is not None:
            queryset = queryset.filter(pk=fixed_organizer.pk)
            self.fields["organizer"].empty_label = None
        self.fields["organizer"].queryset = queryset

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-"))
            return date(year, month, 1)
        except ValueError as error:
            raise forms.ValidationError(_("月は 2025-04 の形で入力してください。")) from error

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            first, last = data.get("date_from"), data.get("date_to")
            if not first or not last:
                raise forms.ValidationError(
                    _("期間を指定するときは開始日と終了日を入力してください。")
                )
            if last < first:
                self.add_error("date_to", _("終了日は開始日より後にしてください。"))
            elif (last - first).days >= MAX_CUSTOM_DAYS:
                self.add_error("date_to", _("期間は3年以内にしてください。"))
        return data

    def chosen_period(self) -> periods.Period:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        today = timezone.localdate()
        kind = data.get("period") or "fiscal_year"
        if kind == "month":
            return periods.month(data.get("month") or today)
        if kind == "custom":
            return periods.custom(data["date_from"], data["date_to"])
        return periods.fiscal_year(data.get("fiscal_year") or fiscal_year_of(today))

    def chosen_organizer(self):
        if self.fixed_organizer is not None:
            return self.fixed_organizer
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("organizer")


class ReportForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(
        label=_("年度"), coerce=int, choices=fiscal_year_choices
    )
    minimum = forms.IntegerField(
        label=_("公開する最小の人数"), min_value=1, max_value=1000, required=False,
        help_text=_("これより少ない人数のセルは「x」で伏せます（既定 10）。"),
    )  # fmt: skip
