from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enishi.core.imports import RowError
from enishi.core.models import ImportRecord
from enishi.members.models import Member

from .importer import FIELDS, _email, _kana, _phone, _postal
from .models import Contact


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


class ContactForm(forms.ModelForm):
    """A person staff met (a walk-in at an event, a fair) who has not registered: only what
    they gave, where they were met and what they answered about information by email."""

    class Meta:
        model = Contact
        fields = ["name", "name_kana", "email", "phone", "postal_code", "address", "source",
                  "info_consent"]  # fmt: skip
        help_texts = {
            "info_consent": gettext_lazy(
                "本人に確かめた答えを選びます。「希望する」の人にだけ登録の案内を送れます。"
            ),
            "name_kana": gettext_lazy("全角カタカナにそろえます。"),
        }

    reuse_existing = False

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.existing = None
        self.fields["name"].required = True
        if "postal_code" not in self.fields:
            return
        # Typed as people write it (〒100-0001, 全角): read by clean_postal_code.
        self.fields["postal_code"] = forms.CharField(
            label=Contact._meta.get_field("postal_code").verbose_name, max_length=10,
            required=False, widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
        )  # fmt: skip
        self.fields["source"].choices = [  # donors come from the import
            c for c in Contact.Source.choices if c[0] != Contact.Source.DONATION
        ]

    def _read(self, name: str, parse):
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return ""
        try:
            return parse(value)
        except RowError as error:
            raise ValidationError(str(error)) from error

    def clean_name_kana(self):
        return self._read("name_kana", _kana)

    def clean_postal_code(self):
        return self._read("postal_code", _postal)

    def clean_phone(self):
        return self._read("phone", _phone)

    def clean_email(self):
        email = self._read("email", _email)
        if not email:
            return email
        members = Member.objects.filter(
            community=self.community, user__email__iexact=email,
            status__in=[Member.Status.ACTIVE, Member.Status.PENDING],
        )  # fmt: skip
        if (found := members.first()) is not None:
            raise ValidationError(
                _("このメールアドレスの方はすでに会員です（会員番号 %(number)s）。")
                % {"number": found.number or "—"}
            )
        self.existing = (
            Contact.objects.filter(community=self.community, email=email, member__isnull=True)
            .order_by("pk")
            .first()
        )
        if self.existing is not None and not self.reuse_existing:
            raise ValidationError(_("このメールアドレスの連絡先はすでにあります。"))
        return email


class WalkInForm(ContactForm):
    """Someone not registered who came to a session (at the check-in desk): the few things
    asked at the door. An email already on a contact adds the attendance to that contact."""

    reuse_existing = True

    class Meta(ContactForm.Meta):
        fields = ["name", "name_kana", "email", "phone", "info_consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"walk-in-{name}")
