import re

from django import forms
from django.utils.translation import gettext_lazy as _

from enishi.activities.models import Activity

from .models import Report, ReportPhoto

RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["title", "summary", "body", "activity", "use", "status"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16})}

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = Activity.objects.filter(community=community).order_by(
            "-pk"
        )

    def clean_body(self):
        body = self.cleaned_data["body"]
        if RAW_HTML.search(body):
            raise forms.ValidationError(
                _(
                    "本文にHTMLのタグは使えません。"
                    "Markdown（## 見出し、- 箇条書き、[文字](URL)）で書いてください。"
                )
            )
        return body


class PhotoForm(forms.ModelForm):
    image = forms.FileField(
        label=_("写真"),
        help_text=_("JPEG・PNG・WebP、8 MB まで。位置情報などは取り除いて保存します。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = ReportPhoto
        fields = ["image", "alt"]
