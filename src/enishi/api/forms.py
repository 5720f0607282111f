from django import forms
from django.utils.translation import gettext_lazy as _

from .scopes import SCOPE_LABELS, Scope


class StaffTokenForm(forms.Form):
    name = forms.CharField(
        label=_("名前（用途）"), max_length=100, help_text=_("例：イベント受付アプリ")
    )
    scopes = forms.MultipleChoiceField(
        label=_("できること"), widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, allowed: list[Scope], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(s.value, SCOPE_LABELS[s]) for s in allowed]


class MemberTokenForm(forms.Form):
    name = forms.CharField(
        label=_("名前（用途）"), max_length=100, initial=_("自分のアプリ"),
        help_text=_("例：カレンダー連携"),
    )  # fmt: skip
