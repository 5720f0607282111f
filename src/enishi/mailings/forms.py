from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.activities.forms import DATETIME_WIDGET
from enishi.activities.models import Activity
from enishi.communities.models import Tag
from enishi.core.japan import PREFECTURE_CHOICES, REGIONS
from enishi.donations.models import Contact
from enishi.ledger.selectors import Stage
from enishi.members.models import Tie, Use

from .messages import invitation_link_missing, merge_errors
from .models import Journey, Mailing, MailTopic, Segment
from .selectors import AGE_BANDS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECKBOXES = forms.CheckboxSelectMultiple

# Form fields that are one condition each (stored under the same key).
LIST_CONDITIONS = ("prefectures", "regions", "age_bands", "ties", "uses")
TAG_CONDITIONS = ("topics", "skills")


def _period(data: dict, prefix: str) -> dict:
    """A from/to pair of date fields as stored in a condition ({"from": ISO, "to": ISO})."""
    return {k: data[f"{prefix}_{k}"].isoformat() for k in ("from", "to")
            if data.get(f"{prefix}_{k}")}  # fmt: skip


def _check_periods(form: forms.Form, data: dict, *prefixes: str) -> None:
    for prefix in prefixes:
        start, end = data.get(f"{prefix}_from"), data.get(f"{prefix}_to")
        if start and end and start > end:
            form.add_error(f"{prefix}_to", _("終わりの日は始まりの日より後にしてください。"))


def _age_label(band: str) -> str:
    return _("%(n)s代以上") % {"n": band} if band == "70" else _("%(n)s代") % {"n": band}


class SegmentForm(forms.Form):
    """A segment's conditions; each filled-in field is one condition (several values within
    one are alternatives), and the conditions are combined with AND or OR."""

    name = forms.CharField(label=_("セグメント名"), max_length=80)
    match = forms.ChoiceField(
        label=_("条件の組み合わせ"), choices=Segment.Match.choices, initial=Segment.Match.ALL,
        widget=forms.RadioSelect,
    )  # fmt: skip
    everyone = forms.BooleanField(
        label=_("メール配信に同意している会員全員"), required=False,
        help_text=_("ほかの条件を付けずに全員へ送るときに選びます。"),
    )  # fmt: skip
    regions = forms.MultipleChoiceField(
        label=_("地方"), choices=list(REGIONS.items()), required=False, widget=CHECKBOXES
    )
    prefectures = forms.MultipleChoiceField(
        label=_("都道府県"), choices=PREFECTURE_CHOICES, required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Ctrl キー（Mac は command キー）を押しながら複数選べます。"),
    )  # fmt: skip
    age_bands = forms.MultipleChoiceField(label=_("年代"), required=False, widget=CHECKBOXES)
    ties = forms.MultipleChoiceField(
        label=_("伊賀とのつながり"), choices=Tie.choices, required=False, widget=CHECKBOXES
    )
    uses = forms.MultipleChoiceField(
        label=_("関わりたいこと"), choices=Use.choices, required=False, widget=CHECKBOXES
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("関心のあるテーマ"), queryset=Tag.objects.none(), required=False, widget=CHECKBOXES
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("スキル・経験"), queryset=Tag.objects.none(), required=False, widget=CHECKBOXES
    )
    rank = forms.ChoiceField(label=_("ランク"), required=False)
    stage = forms.ChoiceField(
        label=_("関わりの段階"), required=False,
        choices=[("", _("指定しない")), *Stage.LABELS.items()],
    )  # fmt: skip
    joined_from = forms.DateField(label=_("入会日（から）"), required=False, widget=DATE_WIDGET)
    joined_to = forms.DateField(label=_("入会日（まで）"), required=False, widget=DATE_WIDGET)
    attended_use = forms.ChoiceField(
        label=_("参加した活動の関わり方"), required=False,
        choices=[("", _("指定しない")), *Use.choices],
    )  # fmt: skip
    attended_activity = forms.ModelChoiceField(
        label=_("参加した活動"), queryset=Activity.objects.none(), required=False,
        empty_label=_("指定しない"),
    )  # fmt: skip
    attended_from = forms.DateField(label=_("参加した時期（から）"), required=False,
                                    widget=DATE_WIDGET)  # fmt: skip
    attended_to = forms.DateField(label=_("参加した時期（まで）"), required=False,
                                  widget=DATE_WIDGET)  # fmt: skip
    donated = forms.BooleanField(label=_("ふるさと納税で寄附した会員"), required=False)
    donated_from = forms.DateField(label=_("寄附日（から）"), required=False, widget=DATE_WIDGET)
    donated_to = forms.DateField(label=_("寄附日（まで）"), required=False, widget=DATE_WIDGET)
    inactive_days = forms.IntegerField(
        label=_("最後の関わりから何日以上たっているか"), required=False, min_value=1,
        max_value=3650, help_text=_("例：180（半年以上、参加も登録も記録がない会員）"),
    )  # fmt: skip

    def __init__(self, *args, community, require_name: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["name"].required = require_name
        self.fields["age_bands"].choices = [(b, _age_label(b)) for b in AGE_BANDS]
        tags = Tag.objects.filter(community=community)
        self.fields["topics"].queryset = tags.filter(kind=Tag.Kind.TOPIC)
        self.fields["skills"].queryset = tags.filter(kind=Tag.Kind.SKILL)
        self.fields["rank"].choices = [
            ("", _("指定しない")),
            ("none", _("ランクなし")),
            *[(str(r.pk), r.name) for r in community.ranks.order_by("min_points")],
        ]
        self.fields["attended_activity"].queryset = Activity.objects.filter(
            community=community
        ).order_by("-created_at")

    @classmethod
    def initial_from(cls, segment: Segment) -> dict:
        c = segment.conditions
        initial = {"name": segment.name, "match": segment.match,
                   "everyone": c.get("everyone", False)}  # fmt: skip
        for key in (*LIST_CONDITIONS, *TAG_CONDITIONS, "rank", "stage", "inactive_days"):
            if key in c:
                initial[key] = c[key]
        for key in ("from", "to"):
            initial[f"joined_{key}"] = c.get("joined", {}).get(key)
            initial[f"attended_{key}"] = c.get("attended", {}).get(key)
        initial["donated"] = "donated" in c
        for key in ("from", "to"):
            initial[f"donated_{key}"] = c.get("donated", {}).get(key)
        initial["attended_use"] = c.get("attended", {}).get("use", "")
        initial["attended_activity"] = c.get("attended", {}).get("activity")
        return initial

    def clean(self):
        data = super().clean()
        _check_periods(self, data, "joined", "attended", "donated")
        if not self.errors and not self.conditions():
            raise forms.ValidationError(
                _("条件を1つ以上選んでください。全員に送るときは「メール配信に同意している会員全員」を選びます。")
            )
        return data

    def conditions(self) -> dict:
        """The cleaned conditions as stored on the segment (JSON)."""
        data = self.cleaned_data
        conditions = {}
        if data.get("everyone"):
            conditions["everyone"] = True
        for key in LIST_CONDITIONS:
            if data.get(key):
                conditions[key] = list(data[key])
        for key in TAG_CONDITIONS:
            if data.get(key):
                conditions[key] = [t.pk for t in data[key]]
        for key in ("rank", "stage"):
            if data.get(key):
                conditions[key] = data[key]
        if data.get("inactive_days"):
            conditions["inactive_days"] = data["inactive_days"]
        if joined := _period(data, "joined"):
            conditions["joined"] = joined
        attended = _period(data, "attended")
        if data.get("attended_use"):
            attended["use"] = data["attended_use"]
        if data.get("attended_activity"):
            attended["activity"] = data["attended_activity"].pk
        if attended:
            conditions["attended"] = attended
        donated = _period(data, "donated")
        if donated or data.get("donated"):
            conditions["donated"] = donated or {"ever": True}
        return conditions


class ContactSegmentForm(forms.Form):
    """A contacts segment: who an invitation to join goes to, among the contacts who agreed
    to information from the municipality and have not been invited yet."""

    name = forms.CharField(label=_("セグメント名"), max_length=80)
    match = forms.ChoiceField(
        label=_("条件の組み合わせ"), choices=Segment.Match.choices, initial=Segment.Match.ALL,
        widget=forms.RadioSelect,
    )  # fmt: skip
    everyone = forms.BooleanField(
        label=_("招待できる連絡先すべて"), required=False,
        help_text=_("お知らせに同意し、まだ招待していない連絡先です。"),
    )  # fmt: skip
    sources = forms.MultipleChoiceField(
        label=_("出どころ"), choices=Contact.Source.choices, required=False, widget=CHECKBOXES
    )
    donated_from = forms.DateField(label=_("寄附日（から）"), required=False,
                                   widget=DATE_WIDGET)  # fmt: skip
    donated_to = forms.DateField(label=_("寄附日（まで）"), required=False, widget=DATE_WIDGET)

    @classmethod
    def initial_from(cls, segment: Segment) -> dict:
        c = segment.conditions
        return {"name": segment.name, "match": segment.match,
                "everyone": c.get("everyone", False), "sources": c.get("sources", []),
                "donated_from": c.get("donated", {}).get("from"),
                "donated_to": c.get("donated", {}).get("to")}  # fmt: skip

    def clean(self):
        data = super().clean()
        _check_periods(self, data, "donated")
        if not self.errors and not self.conditions():
            raise forms.ValidationError(
                _("条件を1つ以上選んでください。全員を招待するときは「招待できる連絡先すべて」を選びます。")
            )
        return data

    def conditions(self) -> dict:
        data = self.cleaned_data
        conditions = {}
        if data.get("everyone"):
            conditions["everyone"] = True
        if data.get("sources"):
            conditions["sources"] = list(data["sources"])
        if donated := _period(data, "donated"):
            conditions["donated"] = donated
        return conditions


class MailingForm(forms.ModelForm):
    class Meta:
        model = Mailing
        fields = ["subject", "body", "topic", "segment", "activity"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}
        help_texts = {
            "body": _("Markdown で書けます。差し込み項目は {nickname} のように波括弧で囲みます。"),
            "topic": _("この配信リストをやめた会員には送りません。"),
        }

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = MailTopic.objects.filter(community=community)
        self.fields["topic"].empty_label = _("（招待メールでは使いません）")
        self.fields["topic"].required = False
        if self.instance.pk is None:  # a new newsletter goes to the first list unless chosen
            self.fields["topic"].initial = self.fields["topic"].queryset.first()
        self.fields["segment"].queryset = Segment.objects.filter(community=community)
        self.fields["segment"].required = True
        self.fields["activity"].queryset = Activity.objects.filter(
            community=community, status=Activity.Status.PUBLISHED
        ).order_by("-created_at")
        self.fields["activity"].help_text = _("{activity_title} と {activity_url} に入ります。")

    def clean(self):
        data = super().clean()
        segment = data.get("segment")
        contacts = segment is not None and segment.for_contacts
        if contacts:
            data["topic"] = None  # contacts are on no list: their own "no more mail" link
        elif segment is not None and not data.get("topic"):
            self.add_error("topic", _("配信リストを選んでください。"))
        has_activity = bool(data.get("activity"))
        errors = {name: merge_errors(data[name], has_activity=has_activity, contacts=contacts)
                  for name in ("subject", "body") if data.get(name)}  # fmt: skip
        if contacts and data.get("body") and "{join_url}" not in data["body"]:
            errors["body"].append(invitation_link_missing())
        for name, messages in errors.items():
            for error in messages:
                self.add_error(name, error)
        return data


class JourneyForm(forms.ModelForm):
    class Meta:
        model = Journey
        fields = ["is_active", "topic", "days", "period_days", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = MailTopic.objects.filter(
            community=self.instance.community
        )
        self.fields["topic"].empty_label = None

    def clean(self):
        data = super().clean()
        for name in ("subject", "body"):
            if data.get(name):
                has_activity = self.instance.kind == Journey.Kind.INTEREST_CLOSING
                for error in merge_errors(data[name], has_activity=has_activity, journey=True):
                    self.add_error(name, error)
        return data


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(label=_("送信日時"), widget=DATETIME_WIDGET)

    def clean_send_at(self):
        value = self.cleaned_data["send_at"]
        if value <= timezone.now():
            raise forms.ValidationError(_("これから先の日時を指定してください。"))
        return value


class PreviewMemberForm(forms.Form):
    member = forms.CharField(
        label=_("プレビューする会員の会員番号"), max_length=20, required=False,
        help_text=_("空欄なら送り先の最初の会員で表示します。"),
    )  # fmt: skip
