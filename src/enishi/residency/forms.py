from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IdentityCheck, RuleSet


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = [
            "required_activities",
            "min_identity_level",
            "max_municipalities",
            "yearly_renewal",
            "excludes_residents",
            "registers_prefecture",
            "source_note",
        ]

    def clean_max_municipalities(self):
        value = self.cleaned_data["max_municipalities"]
        if value < 1:
            raise forms.ValidationError(_("1 以上にしてください。"))
        return value


class IdentityCheckForm(forms.ModelForm):
    class Meta:
        model = IdentityCheck
        fields = ["level", "method"]


class DeclarationForm(forms.Form):
    other_municipalities = forms.IntegerField(
        label=_("ほかにプレミアム登録している自治体の数"),
        min_value=0,
        max_value=99,
        initial=0,
        help_text=_("この自治体を除いた数を入力してください。"),
    )
    share = forms.BooleanField(
        label=_("ふるさと住民登録の情報（会員番号・氏名・住所・登録の状態）を国や他の自治体のシステムへ提供することに同意します"),
        required=False,
    )
