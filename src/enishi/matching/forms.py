from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.activities.models import Activity
from enishi.core.japan import PREFECTURE_CHOICES, REGIONS
from enishi.mailings.forms import _age_label
from enishi.mailings.messages import merge_errors
from enishi.mailings.models import MailTopic
from enishi.mailings.selectors import AGE_BANDS
from enishi.members.models import Availability, Tie, Use

from .engine import MAX_NEED_CHARS, NeedError, parse_need

CHECKBOXES = forms.CheckboxSelectMultiple
# Longer texts are refused outright; anything up to this is read up to MAX_NEED_CHARS.
MAX_TYPED_CHARS = 10000
FILTERS = ("regions", "prefectures", "age_bands", "ties", "uses", "rank", "availability",
           "online_ok")  # fmt: skip


class ScoutForm(forms.Form):
    """A need in free text and the optional filters (the segment conditions of the same
    names, so a filter means the same thing here as in mailings)."""

    need = forms.CharField(
        label=_("求めている人・スキル"),
        max_length=MAX_TYPED_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例：観光パンフレットのデザインができる人／農業法人の経営相談／英語で忍者体験を案内できる人"),
    )  # fmt: skip
    regions = forms.MultipleChoiceField(
        label=_("地方"), choices=list(REGIONS.items()), required=False, widget=CHECKBOXES
    )
    prefectures = forms.MultipleChoiceField(
        label=_("都道府県"), choices=PREFECTURE_CHOICES, required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Ctrl キー（Mac は command キー）を押しながら複数選べます。"),
    )  # fmt: skip
    ties = forms.MultipleChoiceField(
        label=_("伊賀とのつながり"), choices=Tie.choices, required=False, widget=CHECKBOXES
    )
    age_bands = forms.MultipleChoiceField(label=_("年代"), required=False, widget=CHECKBOXES)
    uses = forms.MultipleChoiceField(
        label=_("関わりたいこと"), choices=Use.choices, required=False, widget=CHECKBOXES
    )
    rank = forms.ChoiceField(label=_("ランク"), required=False)
    availability = forms.MultipleChoiceField(
        label=_("協力しやすい日"), required=False, widget=CHECKBOXES,
        choices=[(Availability.WEEKDAYS, _("平日")), (Availability.WEEKENDS, _("土日・祝日"))],
        help_text=_("「平日も土日・祝日も」と答えた人はどちらにも入ります。答えていない人は外れます。"),
    )  # fmt: skip
    online_ok = forms.BooleanField(label=_("オンラインで協力できる人だけ"), required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["age_bands"].choices = [(b, _age_label(b)) for b in AGE_BANDS]
        self.fields["rank"].choices = [
            ("", _("指定しない")),
            ("none", _("ランクなし")),
            *[(str(r.pk), r.name) for r in community.ranks.order_by("min_points")],
        ]

    def clean_need(self):
        try:
            need = parse_need(self.cleaned_data["need"])
        except NeedError as error:
            raise forms.ValidationError(
                _("2文字以上で、どんな人を探しているか書いてください。")
            ) from error
        if not need.terms and not need.text.strip():
            raise forms.ValidationError(_("検索できる言葉がありません。"))
        self.parsed = need
        return self.cleaned_data["need"]

    def conditions(self) -> dict:
        data = self.cleaned_data
        return {key: data[key] for key in FILTERS if data.get(key)}

    @property
    def truncated_notice(self) -> str:
        return _("長い文章のため、最初の約%(n)d文字で探しました。") % {"n": MAX_NEED_CHARS}


class InvitationForm(forms.Form):
    """A personal invitation to an activity for the members ticked in the results."""

    members = forms.TypedMultipleChoiceField(
        label=_("招待する会員"), coerce=int, widget=CHECKBOXES,
        error_messages={"required": _("招待する会員を選んでください。")},
    )  # fmt: skip
    activity = forms.ModelChoiceField(label=_("招待する活動"), queryset=Activity.objects.none())
    topic = forms.ModelChoiceField(
        label=_("配信リスト"), queryset=MailTopic.objects.none(),
        help_text=_("このリストをやめた会員やメールを受け取らない会員は選べません。"),
    )  # fmt: skip
    subject = forms.CharField(
        label=_("件名"), max_length=150,
        initial=_("{nickname}さんに参加していただきたい活動があります"),
    )  # fmt: skip
    body = forms.CharField(
        label=_("本文（Markdown）"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
        initial=_(
            "{nickname}さん、こんにちは。\n\n"
            "{nickname}さんのスキルや経験を活かしていただけそうな活動があり、ご案内します。\n\n"
            "**{activity_title}**\n\n{activity_url}\n\n"
            "ご都合が合えば、ページから応募してください。"
        ),
    )  # fmt: skip

    def __init__(self, *args, community, activities, member_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = member_choices
        now = timezone.now()
        self.fields["activity"].queryset = activities.filter(
            status=Activity.Status.PUBLISHED, closes_at__gt=now
        ).order_by("closes_at")
        self.fields["topic"].queryset = MailTopic.objects.filter(community=community)
        self.fields["topic"].empty_label = None

    def clean(self):
        data = super().clean()
        for name in ("subject", "body"):
            if data.get(name):
                for error in merge_errors(data[name], has_activity=True):
                    self.add_error(name, error)
        return data
