from urllib.parse import urlsplit

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community

from .models import Campaign, PostSubmission
from .selectors import hashtags, open_campaigns


class PostForm(forms.Form):
    url = forms.CharField(
        label=_("投稿のURL"),
        max_length=500,
        help_text=_(
            "X・Instagram・Facebook・YouTube・note・ブログなど、ご自分の投稿のアドレス（https://…）"
        ),
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "url"}),
    )
    campaign = forms.ModelChoiceField(
        label=_("キャンペーン"), queryset=Campaign.objects.none(), required=False,
        empty_label=_("（キャンペーンに参加しない）"),
    )  # fmt: skip
    hashtag = forms.ChoiceField(label=_("ハッシュタグ"), required=False)
    text = forms.CharField(
        label=_("ひとこと（任意）"),
        max_length=PostSubmission._meta.get_field("text").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = open_campaigns(community=community)
        self.fields["hashtag"].choices = [("", _("（選ばない）"))] + [
            (tag, tag) for tag in hashtags(community=community)
        ]

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise forms.ValidationError(
                _("http:// または https:// で始まる投稿のアドレスを入力してください。")
            )
        try:
            URLValidator(schemes=["http", "https"])(url)
        except forms.ValidationError:
            raise forms.ValidationError(_("投稿のアドレスの形が正しくありません。")) from None
        return url


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("承認")), ("reject", _("見送り"))])
    note = forms.CharField(label=_("メモ（任意）"), max_length=200, required=False)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["title", "description", "hashtag", "starts_on", "ends_on", "points"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_hashtag(self):
        tag = self.cleaned_data["hashtag"].strip().replace("＃", "#")
        if not tag.startswith("#"):
            tag = f"#{tag}"
        if len(tag) < 2 or any(c.isspace() for c in tag):
            raise forms.ValidationError(_("空白を含まないハッシュタグを入力してください。"))
        return tag

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("終了日は開始日より後にしてください。"))
        return cleaned


class AmbassadorForm(forms.Form):
    public = forms.BooleanField(label=_("紹介ランキングにニックネームを表示する"), required=False)
