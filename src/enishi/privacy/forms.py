from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, PolicyVersion


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("操作"), choices=[("", _("すべて")), *AuditEvent.Action.choices], required=False
    )
    actor = forms.CharField(
        label=_("操作した人（メールアドレスの一部）"), max_length=254, required=False
    )
    member = forms.CharField(label=_("会員番号"), max_length=20, required=False)
    since = forms.DateField(
        label=_("この日から"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("この日まで"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("「この日まで」は「この日から」より後の日にしてください。"))
        return cleaned


class PolicyVersionForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = ["document", "version", "changes", "requires_consent"]
        widgets = {"changes": forms.Textarea(attrs={"rows": 5})}
