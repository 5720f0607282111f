from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community
from enishi.core.photos import PhotoError, photo_clean

from .models import Benefit, PartnerShop, UsageReward, VisitSpot

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ShopFilterForm(forms.Form):
    """The public list's filters; both optional, unknown values ignored."""

    hide_optional_marks = True

    category = forms.ChoiceField(
        label=_("業種"), required=False, choices=[("", _("すべて")), *PartnerShop.Category.choices]
    )
    area = forms.ChoiceField(label=_("地域"), required=False)

    def __init__(self, *args, areas: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("すべて")), *((a, a) for a in areas)]


class ShopForm(forms.ModelForm):
    class Meta:
        model = PartnerShop
        fields = [
            "name", "category", "area", "address", "opening_hours", "description",
            "latitude", "longitude", "phone", "website", "photo", "photo_alt", "is_active",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.community = community
        self.fields["latitude"].help_text = _("地図に表示するときに入力します（例：34.768700）。")

    def clean_photo(self):
        """A new photo is checked and re-encoded (no EXIF, so no location) before it is kept."""
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            try:
                return photo_clean(photo)
            except PhotoError as error:
                raise forms.ValidationError(str(error)) from None
        return photo

    def clean(self):
        data = super().clean()
        if data.get("photo") and not data.get("photo_alt"):
            self.add_error("photo_alt", _("写真に写っているものを書いてください。"))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(_("緯度と経度は両方入力するか、両方空欄にしてください。"))
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise forms.ValidationError(_("緯度・経度の値が正しくありません。"))
        return data

    def validate_unique(self):
        try:
            self.instance.validate_constraints()
        except forms.ValidationError:
            self.add_error("name", _("同じ名前の協力店がすでにあります。"))


class BenefitForm(forms.ModelForm):
    class Meta:
        model = Benefit
        fields = [
            "title", "description", "min_rank", "frequency", "valid_from", "valid_until",
            "is_active",
        ]  # fmt: skip
        widgets = {"valid_from": DATE_WIDGET, "valid_until": DATE_WIDGET}

    def __init__(self, *args, shop: PartnerShop, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.shop = shop
        self.instance.community = shop.community
        self.fields["min_rank"].queryset = shop.community.ranks.order_by("min_points")
        self.fields["min_rank"].empty_label = _("会員全員")

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("終了日は開始日より後にしてください。"))
        return data


class SpotForm(forms.ModelForm):
    class Meta:
        model = VisitSpot
        fields = ["name", "kind", "shop", "description", "points", "is_active"]

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.community = community
        self.fields["shop"].queryset = PartnerShop.objects.filter(community=community)

    def validate_unique(self):
        try:
            self.instance.validate_constraints()
        except forms.ValidationError:
            self.add_error("name", _("同じ名前の来訪スポットがすでにあります。"))


class RewardForm(forms.ModelForm):
    class Meta:
        model = UsageReward
        fields = ["name", "rule", "threshold", "reward", "is_active"]

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.community = community
        self.fields["threshold"].min_value = 1
        self.fields["threshold"].widget.attrs["min"] = 1


class ClerkForm(forms.Form):
    email = forms.EmailField(
        label=_("スタッフのメールアドレス"),
        help_text=_("このアドレスに届くコードでログインします。この店の受付だけができます。"),
    )


class NumberForm(forms.Form):
    number = forms.CharField(
        label=_("会員番号"), max_length=30,
        help_text=_("全角でも入力できます。接頭辞は省略できます（例：123）。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )  # fmt: skip
