from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organizer, StaffRole, Tag


class BaseTagFormSet(forms.BaseModelFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            name = (form.cleaned_data or {}).get("name")
            if not name:
                continue
            if name in seen:
                form.add_error("name", _("「%(name)s」はすでにあります。") % {"name": name})
            seen.add(name)


TagFormSet = forms.modelformset_factory(
    Tag,
    formset=BaseTagFormSet,
    fields=["name", "position", "is_active"],
    extra=3,
    max_num=200,
    validate_max=True,
)


class StaffRoleForm(forms.Form):
    email = forms.EmailField(label=_("メールアドレス"), max_length=254)
    role = forms.ChoiceField(label=_("役割"), choices=StaffRole.Role.choices)
    organizer = forms.ModelChoiceField(
        label=_("主催団体"),
        queryset=Organizer.objects.none(),
        required=False,
        help_text=_("「主催団体の職員」のときに選びます。その団体の活動と応募者だけを扱えます。"),
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer"].queryset = community.organizers.all()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == StaffRole.Role.ORGANIZER and not cleaned.get("organizer"):
            self.add_error("organizer", _("主催団体の職員には、主催団体を選んでください。"))
        return cleaned
