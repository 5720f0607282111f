from datetime import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community, Tag
from enishi.communities.selectors import active_tags
from enishi.members.models import Use

from .models import MAX_QUESTIONS, Activity, ActivitySession, Application, ApplicationQuestion
from .services import taken_places

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _month_choices() -> list[tuple[str, str]]:
    today = timezone.localdate()
    choices = [("", _("すべて"))]
    year, month = today.year, today.month
    for _i in range(12):
        choices.append(
            (f"{year}-{month:02d}", _("%(year)d年%(month)d月") % {"year": year, "month": month})
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return choices


class ActivityFilterForm(forms.Form):
    """The public list's filters; every one is optional."""

    hide_optional_marks = True

    use = forms.ChoiceField(
        label=_("関わり方"), required=False, choices=[("", _("すべて")), *Use.choices]
    )
    topic = forms.ModelChoiceField(
        label=_("テーマ"), required=False, queryset=Tag.objects.none(), empty_label=_("すべて")
    )
    place = forms.ChoiceField(
        label=_("場所"),
        required=False,
        choices=[("", _("すべて")), *Activity.PlaceKind.choices],
    )
    month = forms.ChoiceField(label=_("開催月"), required=False, choices=_month_choices)
    has_places = forms.BooleanField(label=_("空きがある活動だけ"), required=False)

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = active_tags(community=community, kind=Tag.Kind.TOPIC)

    def clean_month(self):
        value = self.cleaned_data["month"]
        if not value:
            return None
        year, month = (int(part) for part in value.split("-"))
        tz = timezone.get_current_timezone()
        start = datetime(year, month, 1, tzinfo=tz)
        end = (
            datetime(year + 1, 1, 1, tzinfo=tz)
            if month == 12
            else datetime(year, month + 1, 1, tzinfo=tz)
        )
        return start, end


class JobFilterForm(forms.Form):
    """The filters of the お手伝い board; every one is optional."""

    hide_optional_marks = True

    okaeshi = forms.ChoiceField(
        label=_("オカエシ"), required=False, choices=[("", _("すべて")), *Activity.Okaeshi.choices]
    )
    month = forms.ChoiceField(label=_("日程の月"), required=False, choices=_month_choices)
    has_places = forms.BooleanField(label=_("まだ人手が足りないものだけ"), required=False)
    clean_month = ActivityFilterForm.clean_month


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, session):
        left = session.places_left
        if left is None:
            return session.label
        if left == 0:
            if session.waitlist:
                return _("%(session)s（満席・キャンセル待ちで受付）") % {"session": session.label}
            return _("%(session)s（満席）") % {"session": session.label}
        return _("%(session)s（残り%(left)d席）") % {"session": session.label, "left": left}


class ApplicationForm(forms.Form):
    """「応募する」: which session (when there are several) and the activity's questions."""

    def __init__(self, *args, activity: Activity, sessions: list[ActivitySession], **kwargs):
        super().__init__(*args, **kwargs)
        self.activity = activity
        self.fields["session"] = SessionChoiceField(
            label=_("参加する回"),
            queryset=ActivitySession.objects.filter(pk__in=[s.pk for s in sessions]),
            widget=forms.RadioSelect if len(sessions) > 1 else forms.HiddenInput,
            empty_label=None,
            error_messages={"invalid_choice": _("この回には応募できません。")},
        )
        self.fields["session"].choices = [
            (s.pk, self.fields["session"].label_from_instance(s)) for s in sessions
        ]
        if len(sessions) == 1:
            self.fields["session"].initial = sessions[0].pk
        for question in activity.questions.all():
            self.fields[f"q_{question.pk}"] = self._question_field(question)

    @staticmethod
    def _question_field(question: ApplicationQuestion) -> forms.Field:
        common = {"label": question.text, "required": question.required}
        if question.kind == ApplicationQuestion.Kind.CHOICE:
            return forms.ChoiceField(
                choices=[(c, c) for c in question.choices], widget=forms.RadioSelect, **common
            )
        if question.kind == ApplicationQuestion.Kind.YES_NO:
            return forms.ChoiceField(
                choices=[("yes", _("はい")), ("no", _("いいえ"))],
                widget=forms.RadioSelect,
                **common,
            )
        return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)

    def question_fields(self):
        return [self[name] for name in self.fields if name.startswith("q_")]

    def answers(self) -> dict[int, str]:
        return {
            int(name[2:]): value
            for name, value in self.cleaned_data.items()
            if name.startswith("q_")
        }


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = [
            "title", "organizer", "use", "body", "topics", "wanted_skills", "place_kind",
            "city", "place_name", "address", "fee", "selection", "opens_at", "closes_at",
            "points_for_attendance", "is_small_job", "requester", "okaeshi", "okaeshi_note",
        ]  # fmt: skip
        widgets = {
            "body": forms.Textarea(attrs={"rows": 12}),
            "topics": forms.CheckboxSelectMultiple,
            "wanted_skills": forms.CheckboxSelectMultiple,
            "place_kind": forms.RadioSelect,
            "selection": forms.RadioSelect,
            "opens_at": DATETIME_WIDGET,
            "closes_at": DATETIME_WIDGET,
        }
        help_texts = {
            "selection": _(
                "先着順：定員まで即時に参加確定。抽選：締切後に抽選。選考：職員が一人ずつ決定。"
            ),
            "place_name": _("例：伊賀市役所 本庁舎、東京駅 八重洲中央口"),
        }

    def __init__(self, *args, community: Community, organizers=None, **kwargs):
        """`organizers`: those the staff member may run activities for (default: all)."""
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["organizer"].queryset = (
            community.organizers.all() if organizers is None else organizers
        )
        self.fields["city"].choices = [("", _("選択してください")), *Activity.City.choices]
        self.fields["use"].choices = [("", _("選択してください")), *Use.choices]
        self.fields["okaeshi"].choices = [("", _("選択してください")), *Activity.Okaeshi.choices]
        for field, kind in (("topics", Tag.Kind.TOPIC), ("wanted_skills", Tag.Kind.SKILL)):
            offered = active_tags(community=community, kind=kind).values("pk")
            chosen = (
                getattr(self.instance, field).values("pk")
                if self.instance.pk
                else Tag.objects.none().values("pk")
            )
            self.fields[field].queryset = Tag.objects.filter(Q(pk__in=offered) | Q(pk__in=chosen))

    def clean(self):
        cleaned = super().clean()
        _check_years(self, cleaned, "opens_at", "closes_at")
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("受付締切は受付開始より後にしてください。"))
        kind = cleaned.get("place_kind")
        if kind == Activity.PlaceKind.CITY and not cleaned.get("city"):
            self.add_error("city", _("集合場所の都市を選んでください。"))
        if kind == Activity.PlaceKind.IGA and not cleaned.get("address"):
            self.add_error("address", _("伊賀市内で行う活動は住所を入力してください。"))
        if kind != Activity.PlaceKind.CITY:
            cleaned["city"] = ""
        if cleaned.get("is_small_job"):
            if not cleaned.get("okaeshi"):
                self.add_error(
                    "okaeshi", _("お手伝いにはオカエシを選んでください（なしも選べます）。")
                )
            if cleaned.get("use") and cleaned["use"] != Use.LOCAL_ACTIVITY:
                self.add_error(
                    "use", _("お手伝いの関わり方は「地域活動への参加」を選んでください。")
                )
        return cleaned


def _check_years(form, cleaned: dict, *fields: str) -> None:
    # A date far outside the service's life is a typo (and year 1 would overflow in time zones).
    for field in fields:
        value = cleaned.get(field)
        if value and not 2000 <= value.year <= 2100:
            form.add_error(field, _("日時は2000年から2100年の間で入力してください。"))
            cleaned.pop(field, None)


class SessionForm(forms.ModelForm):
    class Meta:
        model = ActivitySession
        fields = ["starts_at", "ends_at", "anytime", "capacity", "waitlist"]
        widgets = {"starts_at": DATETIME_WIDGET, "ends_at": DATETIME_WIDGET}

    def clean(self):
        cleaned = super().clean()
        _check_years(self, cleaned, "starts_at", "ends_at")
        if cleaned.get("anytime"):
            cleaned["starts_at"] = cleaned["ends_at"] = None
        elif not cleaned.get("starts_at") and "starts_at" not in self.errors:
            self.add_error("starts_at", _("開始日時を入力するか、「随時」を選んでください。"))
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("終了は開始より後にしてください。"))
        capacity = cleaned.get("capacity")
        if self.instance.pk and capacity is not None:
            taken = taken_places(self.instance)
            if capacity < taken:
                self.add_error(
                    "capacity",
                    _(
                        "この回はすでに%(taken)d人の参加が決まっています。"
                        "定員を%(taken)d人より少なくするには、先に参加者と相談のうえ"
                        "応募者一覧からキャンセルしてください。"
                    )
                    % {"taken": taken},
                )
        return cleaned


class BaseSessionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.applications.exists():
                raise forms.ValidationError(
                    _("%(session)s の回には応募があるため削除できません。")
                    % {"session": form.instance.label}
                )


SessionFormSet = forms.inlineformset_factory(
    Activity,
    ActivitySession,
    form=SessionForm,
    formset=BaseSessionFormSet,
    extra=1,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


class QuestionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("選択肢"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("「選択肢」形式のとき、1行に1つずつ書きます。"),
    )

    class Meta:
        model = ApplicationQuestion
        fields = ["text", "kind", "choices_text", "required", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["choices_text"] = "\n".join(self.instance.choices)

    def clean(self):
        cleaned = super().clean()
        lines = [line.strip() for line in cleaned.get("choices_text", "").splitlines()]
        choices = list(dict.fromkeys(line for line in lines if line))
        if cleaned.get("kind") == ApplicationQuestion.Kind.CHOICE:
            if len(choices) < 2:
                self.add_error("choices_text", _("選択肢を2つ以上、1行に1つずつ書いてください。"))
        else:
            choices = []
        self.instance.choices = choices
        return cleaned


QuestionFormSet = forms.inlineformset_factory(
    Activity,
    ApplicationQuestion,
    form=QuestionForm,
    extra=2,
    can_delete=True,
    max_num=MAX_QUESTIONS,
    validate_max=True,
)


class DecisionForm(forms.Form):
    """Staff decide about the applicants they ticked, with an optional message to them."""

    applications = forms.ModelMultipleChoiceField(
        label=_("対象の応募者"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("応募者を1人以上選んでください。")},
    )
    decision = forms.ChoiceField(
        label=_("操作"),
        choices=[
            ("accept", _("参加確定にする")),
            ("waitlist", _("キャンセル待ちにする")),
            ("reject", _("見送る")),
        ],
    )
    message = forms.CharField(
        label=_("応募者へのメッセージ"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("通知メールに添えられます。"),
    )

    def __init__(self, *args, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = Application.objects.filter(
            session__activity=activity
        ).select_related("member__user", "session")
