from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enishi.core.imports import RowError
from enishi.members.models import Member

from .importer import _email, _kana, _phone, _postal
from .models import Contact


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
