from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Tag


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
