from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enishi.core.models import ImportRecord

from .importer import FIELDS


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("寄附データのファイル"),
        help_text=gettext_lazy(
            "ポータルから書き出した CSV（UTF-8 または Shift_JIS）または Excel（.xlsx）。"
        ),
    )


class MappingForm(forms.Form):
    """One choice of column per field, the name to keep the mapping under, and what to do
    with rows that cannot be read."""

    name = forms.CharField(
        label=gettext_lazy("この対応付けの名前"), max_length=80, required=False,
        help_text=gettext_lazy("名前を付けると、同じ列のファイルで次回から自動で使われます。"),
    )  # fmt: skip
    mode = forms.ChoiceField(
        label=gettext_lazy("読めない行があったとき"),
        choices=ImportRecord.Mode.choices,
        initial=ImportRecord.Mode.GOOD_ROWS,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("（使わない）"))] + [(h, h) for h in headers if h]
        for field in reversed(FIELDS):
            self.fields = {
                f"col_{field.name}": forms.ChoiceField(
                    label=field.label, choices=choices, required=field.required,
                    error_messages={"required": _("「%(field)s」の列を選んでください。")
                                    % {"field": field.label}},
                ),
                **self.fields,
            }  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        used = [v for k, v in cleaned.items() if k.startswith("col_") and v]
        if len(used) != len(set(used)):
            raise ValidationError(_("同じ列を二つの項目に選んでいます。"))
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {f.name: self.cleaned_data[f"col_{f.name}"] for f in FIELDS
                if self.cleaned_data.get(f"col_{f.name}")}  # fmt: skip


class ContactSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("名前・フリガナ・メールで探す"), max_length=100,
                        required=False)  # fmt: skip


class FiscalYearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2008, max_value=2100,
                              required=False)  # fmt: skip
