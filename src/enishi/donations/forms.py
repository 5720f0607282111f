from django import forms
from django.utils.translation import gettext_lazy


class ContactSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("名前・フリガナ・メールで探す"), max_length=100,
                        required=False)  # fmt: skip


class FiscalYearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2008, max_value=2100,
                              required=False)  # fmt: skip
