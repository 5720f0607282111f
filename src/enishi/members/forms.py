import re

from allauth.account.forms import SignupForm
from allauth.account.models import EmailAddress
from allauth.core import context, ratelimit
from django import forms
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community, Tag
from enishi.communities.selectors import active_tags
from enishi.core.japan import PREFECTURE_CHOICES
from enishi.core.postal import lookup_postal_code
from enishi.core.requests import client_ip
from enishi.core.text import (
    has_emoji,
    is_katakana,
    normalize_postal_code,
    to_ascii_digits,
    to_katakana,
)

from . import services
from .models import Availability, Channel, Gender, Member, Tie, Use
from .services import PROFILE_FIELDS


def _year_choices():
    this_year = timezone.localdate().year
    # Newest first, from ten years ago: nobody younger registers on their own.
    return [("", _("選択してください"))] + [(y, f"{y}") for y in range(this_year - 10, 1909, -1)]


MONTH_CHOICES = [("", _("選択してください"))] + [(m, f"{m}") for m in range(1, 13)]


class AddressFields(forms.Form):
    """Prefecture and city: filled from the postal code as the person types (htmx)."""

    prefecture_code = forms.ChoiceField(
        label=_("都道府県"), choices=[("", _("選択してください")), *PREFECTURE_CHOICES]
    )
    city = forms.CharField(
        label=_("市区町村"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )


class ProfileFields(AddressFields):
    """The member's profile: the same fields on /join/ and on /me/profile/."""

    family_name = forms.CharField(label=_("姓"), max_length=50)
    given_name = forms.CharField(label=_("名"), max_length=50)
    family_name_kana = forms.CharField(
        label=_("セイ"),
        max_length=50,
        help_text=_("全角カタカナ。ひらがなや半角カナは自動で変換します。"),
    )
    given_name_kana = forms.CharField(label=_("メイ"), max_length=50)
    nickname = forms.CharField(
        label=_("ニックネーム"),
        max_length=30,
        required=False,
        help_text=_("会員証や公開の場で表示されます。空欄なら名で表示します。"),
    )
    birth_year = forms.TypedChoiceField(label=_("生まれ年"), coerce=int, choices=_year_choices)
    birth_month = forms.TypedChoiceField(label=_("生まれ月"), coerce=int, choices=MONTH_CHOICES)
    gender = forms.ChoiceField(
        label=_("性別"),
        choices=Gender.choices,
        initial=Gender.UNANSWERED,
        widget=forms.RadioSelect,
        required=False,
    )
    postal_code = forms.CharField(
        label=_("郵便番号"),
        max_length=10,
        help_text=_("7桁。入力すると都道府県と市区町村が自動で入ります。"),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "postal-code",
                "hx-get": reverse_lazy("postal_query"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#address-fields",
                "hx-swap": "outerHTML",
                "hx-include": "#id_prefecture_code, #id_city",
            }
        ),
    )
    address_line = forms.CharField(
        label=_("町名・番地・建物名"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    phone = forms.CharField(
        label=_("電話番号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    ties = forms.MultipleChoiceField(
        label=_("伊賀とのつながり"),
        choices=Tie.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("あてはまるものをすべて選んでください。"),
    )
    tie_other = forms.CharField(label=_("「その他」の内容"), max_length=200, required=False)
    uses = forms.MultipleChoiceField(
        label=_("関わりたいこと"),
        choices=Use.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("関心のあるテーマ"),
        queryset=Tag.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("提供できるスキル・経験"),
        queryset=Tag.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    skills_text = forms.CharField(
        label=_("スキル・経験の詳細"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("仕事や趣味で培ったこと、地域で役立てられそうなことを自由にお書きください。"),
    )
    availability = forms.ChoiceField(
        label=_("協力しやすい日"),
        choices=[("", _("答えない")), *Availability.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=_("地域のお手伝いや相談をお願いするときの参考にします。"),
    )
    online_ok = forms.BooleanField(label=_("オンラインでの協力もできる"), required=False)
    channel = forms.ChoiceField(
        label=_("登録のきっかけ"),
        choices=[("", _("選択してください")), *Channel.choices],
        required=False,
    )

    def setup_profile(self, community: Community) -> None:
        self.community = community
        self.fields["topics"].queryset = active_tags(community=community, kind=Tag.Kind.TOPIC)
        self.fields["skills"].queryset = active_tags(community=community, kind=Tag.Kind.SKILL)

    def _clean_name(self, field: str) -> str:
        value = self.cleaned_data[field].strip()
        if has_emoji(value):
            raise forms.ValidationError(
                _("絵文字は使えません。戸籍や住民票の表記で入力してください。")
            )
        return value

    def clean_family_name(self):
        return self._clean_name("family_name")

    def clean_given_name(self):
        return self._clean_name("given_name")

    def _clean_kana(self, field: str) -> str:
        value = to_katakana(self.cleaned_data[field])
        if not is_katakana(value):
            raise forms.ValidationError(_("カタカナで入力してください（ひらがなも使えます）。"))
        return value

    def clean_family_name_kana(self):
        return self._clean_kana("family_name_kana")

    def clean_given_name_kana(self):
        return self._clean_kana("given_name_kana")

    def clean_postal_code(self):
        code = normalize_postal_code(self.cleaned_data["postal_code"])
        if code is None:
            raise forms.ValidationError(
                _("郵便番号は7桁の数字で入力してください（例：518-0873）。")
            )
        if lookup_postal_code(code) is None:
            raise forms.ValidationError(
                _("この郵便番号は見つかりませんでした。番号をご確認ください。")
            )
        return code

    def clean_phone(self):
        value = to_ascii_digits(self.cleaned_data["phone"]).strip()
        value = re.sub(r"[‐‑–—−ー－\s()（）]", "-", value).strip("-")
        if value and not re.fullmatch(r"\+?[\d-]{10,16}", value):
            raise forms.ValidationError(
                _("電話番号は数字とハイフンで入力してください（例：0595-22-9600）。")
            )
        return value

    def clean(self):
        cleaned = super().clean()
        if Tie.OTHER in cleaned.get("ties", []) and not cleaned.get("tie_other", "").strip():
            self.add_error("tie_other", _("「その他」を選んだ場合は内容を入力してください。"))
        postal = cleaned.get("postal_code")
        prefecture = cleaned.get("prefecture_code")
        if postal and prefecture:
            address = lookup_postal_code(postal)
            if address.prefecture_code != prefecture:
                self.add_error(
                    "prefecture_code",
                    _("郵便番号の都道府県（%(name)s）と一致しません。")
                    % {"name": dict(PREFECTURE_CHOICES)[address.prefecture_code]},
                )
        return cleaned

    def profile_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROFILE_FIELDS}


class MembershipFields(ProfileFields):
    """What joining a community asks besides the profile: consents and a referral code."""

    agree_terms = forms.BooleanField(
        label=_("利用規約とプライバシーポリシーに同意します"),
        error_messages={
            "required": _("登録には利用規約とプライバシーポリシーへの同意が必要です。")
        },
    )
    newsletter = forms.BooleanField(label=_("メールマガジンをメールで受け取る"), required=False)
    referral_code = forms.CharField(
        label=_("紹介コード（お持ちの方）"), max_length=12, required=False
    )
    # The signed token of a contact's invitation link (donations): merged on joining.
    invitation = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    def fill_from_invitation(self, token: str) -> None:
        """An invitation link (/join/?invite=TOKEN) fills in what the contact gave."""
        from enishi.donations.services import invitation_contact, invitation_initial

        contact = invitation_contact(community=self.community, token=token[:200])
        if contact is None:
            return
        for name, value in invitation_initial(contact).items():
            if name in self.fields:
                self.fields[name].initial = value
        self.fields["invitation"].initial = token[:200]
        self.fields["channel"].initial = Channel.HOMETOWN_TAX

    def clean_referral_code(self):
        code = self.cleaned_data["referral_code"].strip().upper()
        if (
            code
            and not Member.objects.filter(
                community=self.community, referral_code=code, status=Member.Status.ACTIVE
            ).exists()
        ):
            raise forms.ValidationError(_("この紹介コードは見つかりませんでした。"))
        return code


class JoinForm(MembershipFields, SignupForm):
    """Registration at /join/: the account (email, password or a login code later) and the
    profile in one form, saved together or not at all."""

    field_order = [
        "email",
        "password1",
        *PROFILE_FIELDS,
        "referral_code",
        "agree_terms",
        "newsletter",
        "invitation",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_profile(context.request.community)
        # An invitation link (/join/?ref=CODE) fills in the code.
        self.fields["referral_code"].initial = context.request.GET.get("ref", "")[:12]
        if token := context.request.GET.get("invite"):
            self.fill_from_invitation(token)
        self.fields["password1"].help_text = _(
            "10文字以上。空欄にすると、ログインのたびにメールで届くコードを使います。"
        )
        self.fields["email"].label = _("メールアドレス")

    def try_save(self, request):
        """Create the account, or answer as if it were created when the address is taken."""
        email = self.cleaned_data["email"]
        # A few tries an hour per address, whether or not it is registered (so the limit says
        # nothing about which addresses exist).
        if not ratelimit.consume(request, action="signup_email", key=email.lower()):
            return None, ratelimit.respond_429(request)
        with transaction.atomic():
            # Sign-ups of a community run one at a time, so two taps on 登録する (or two tabs)
            # cannot both pass allauth's "is this address taken?" check.
            Community.objects.select_for_update().get(pk=self.community.pk)
            if EmailAddress.objects.filter(email__iexact=email).exists():
                self.account_already_exists = True
            if self.account_already_exists:
                # Hash the password anyway: answering faster for a known address would tell.
                make_password(self.cleaned_data.get("password1") or None)
            return super().try_save(request)

    def signup(self, request, user):
        services.member_register(
            community=self.community,
            user=user,
            profile=self.profile_data(),
            referral_code=self.cleaned_data["referral_code"],
            newsletter=self.cleaned_data["newsletter"],
            ip_address=client_ip(request),
            invitation=self.cleaned_data["invitation"],
        )


class MembershipForm(MembershipFields):
    """/join/ for someone already signed in (a member of another community of this
    deployment): the same login, so only the profile and the consents."""

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_profile(community)


class ProfileForm(ProfileFields):
    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_profile(member.community)
        # Words staff have since retired stay selectable for those who chose them.
        for field in ("topics", "skills"):
            offered = self.fields[field].queryset.values("pk")
            chosen = getattr(member, field).values("pk")
            self.fields[field].queryset = Tag.objects.filter(Q(pk__in=offered) | Q(pk__in=chosen))


class MailPreferencesForm(forms.Form):
    """The global flag (the newsletter consent) and the lists a member stays on."""

    newsletter = forms.BooleanField(label=_("メールマガジンをメールで受け取る"), required=False)
    topics = forms.ModelMultipleChoiceField(
        label=_("受け取る配信リスト"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("メールマガジンを受け取る場合に、選んだリストのメールだけが届きます。"),
    )  # fmt: skip

    def __init__(self, *args, member: Member, **kwargs):
        from enishi.mailings.models import MailTopic

        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = MailTopic.objects.filter(community=member.community)


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("退会すると、氏名・連絡先などの個人情報が消去され、元に戻せないことを理解しました"),
        error_messages={"required": _("退会するには確認のチェックが必要です。")},
    )


class MemberFilterForm(forms.Form):
    """The staff member list's search and filters; every field is optional."""

    hide_optional_marks = True  # every filter is optional: 任意 on each would be noise

    q = forms.CharField(
        label=_("検索"),
        max_length=100,
        required=False,
        help_text=_("氏名・フリガナ・メールアドレス・会員番号の一部"),
    )
    prefecture = forms.ChoiceField(
        label=_("都道府県"), required=False, choices=[("", _("すべて")), *PREFECTURE_CHOICES]
    )
    tie = forms.ChoiceField(
        label=_("つながり"), required=False, choices=[("", _("すべて")), *Tie.choices]
    )
    use = forms.ChoiceField(
        label=_("関わりたいこと"), required=False, choices=[("", _("すべて")), *Use.choices]
    )
    topic = forms.ModelChoiceField(
        label=_("関心のあるテーマ"),
        required=False,
        queryset=Tag.objects.none(),
        empty_label=_("すべて"),
    )
    status = forms.ChoiceField(
        label=_("状態"), required=False, choices=[("", _("すべて")), *Member.Status.choices]
    )
    joined_from = forms.DateField(
        label=_("入会日（から）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    joined_to = forms.DateField(
        label=_("入会日（まで）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label=_("並び順"),
        required=False,
        choices=[
            ("-joined", _("登録の新しい順")),
            ("joined", _("登録の古い順")),
            ("number", _("会員番号順")),
            ("kana", _("フリガナ順")),
            ("prefecture", _("都道府県順")),
        ],
    )

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = community.tags.filter(kind=Tag.Kind.TOPIC)
