from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community, Organizer, Tag
from enishi.members.models import Member, Use

MAX_QUESTIONS = 10


class Activity(models.Model):
    """Something members can do for the region: a rice-planting day, a Tokyo meet-up, an
    online workshop, a trial stay, a small ongoing project. Members apply to its sessions."""

    class PlaceKind(models.TextChoices):
        IGA = "iga", _("伊賀市内")
        CITY = "city", _("都市部の集合場所")
        ONLINE = "online", _("オンライン")

    class City(models.TextChoices):
        TOKYO = "tokyo", _("東京")
        OSAKA = "osaka", _("大阪")
        NAGOYA = "nagoya", _("名古屋")

    class Selection(models.TextChoices):
        FIRST_COME = "first_come", _("先着順")
        LOTTERY = "lottery", _("抽選")
        SCREENING = "screening", _("選考")

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        PUBLISHED = "published", _("公開中")
        CLOSED = "closed", _("受付終了")
        ARCHIVED = "archived", _("アーカイブ")

    class Okaeshi(models.TextChoices):
        """What a small job's helpers get as thanks (ヒダスケ's オカエシ)."""

        PRODUCE = "produce", _("農産物・特産品")
        MEAL = "meal", _("食事")
        VOUCHER = "voucher", _("地域のお店で使える券")
        OTHER = "other", _("その他")
        NONE = "none", _("なし")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="activities")
    organizer = models.ForeignKey(
        Organizer, on_delete=models.PROTECT, related_name="activities", verbose_name=_("主催")
    )
    title = models.CharField(_("タイトル"), max_length=120)
    body = models.TextField(
        _("内容"),
        max_length=20000,
        blank=True,
        help_text=_("Markdown で書けます（見出しは #、箇条書きは -、リンクは [文字](URL)）。"),
    )
    use = models.CharField(_("関わり方"), max_length=20, choices=Use.choices)
    topics = models.ManyToManyField(
        Tag, blank=True, related_name="activities_on_topic", verbose_name=_("テーマ")
    )
    wanted_skills = models.ManyToManyField(
        Tag, blank=True, related_name="activities_wanting", verbose_name=_("求めるスキル")
    )
    place_kind = models.CharField(
        _("場所の種類"), max_length=10, choices=PlaceKind.choices, default=PlaceKind.IGA
    )
    city = models.CharField(_("都市"), max_length=10, choices=City.choices, blank=True)
    place_name = models.CharField(_("場所の名前"), max_length=100, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    fee = models.PositiveIntegerField(_("参加費（円）"), default=0)
    selection = models.CharField(
        _("参加者の決め方"),
        max_length=12,
        choices=Selection.choices,
        default=Selection.FIRST_COME,
    )
    opens_at = models.DateTimeField(_("受付開始"))
    closes_at = models.DateTimeField(_("受付締切"))
    points_for_attendance = models.PositiveIntegerField(
        _("参加ポイント"),
        null=True,
        blank=True,
        help_text=_("空欄なら関わり方ごとの標準のポイントです。"),
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # お手伝い (a small job for residents, farms and shops): listed on /jobs/ as well.
    is_small_job = models.BooleanField(
        _("お手伝い（小さな仕事）として募集する"), default=False,
        help_text=_("稲刈りの手伝い、祭りの設営など。お手伝いの一覧（/jobs/）にも載ります。"),
    )  # fmt: skip
    requester = models.CharField(
        _("依頼者"), max_length=100, blank=True, help_text=_("例：山田農園、〇〇商店、△△地区の住民")
    )
    okaeshi = models.CharField(_("オカエシ"), max_length=10, choices=Okaeshi.choices, blank=True)
    okaeshi_note = models.CharField(
        _("オカエシの内容"), max_length=100, blank=True, help_text=_("例：新米2kg、昼食付き")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("活動")
        verbose_name_plural = _("活動")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="activity_window_forward",
                violation_error_message=_("受付締切は受付開始より後にしてください。"),
            ),
            models.CheckConstraint(
                condition=Q(is_small_job=False) | ~Q(okaeshi=""),
                name="activity_small_job_okaeshi",
                violation_error_message=_("お手伝いにはオカエシを選んでください（なしも選べます）。"),
            ),
        ]
        indexes = [models.Index(fields=["community", "status", "-created_at"])]

    def __str__(self):
        return self.title

    def is_open_for_applications(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.PUBLISHED and self.opens_at <= now < self.closes_at

    @property
    def places_left(self) -> int | None:
        """Places left over the upcoming sessions (None: no limit); needs the
        `upcoming_sessions` prefetched by selectors.public_activities."""
        total = 0
        for session in self.upcoming_sessions:
            left = session.places_left
            if left is None:
                return None
            total += left
        return total

    @property
    def place_label(self) -> str:
        if self.place_kind == self.PlaceKind.CITY and self.city:
            return gettext("%(city)s（集合場所）") % {"city": self.get_city_display()}
        return self.get_place_kind_display()


class ActivitySession(models.Model):
    """One date of an activity (or "anytime" for an ongoing project), with its places."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("開始"), null=True, blank=True)
    ends_at = models.DateTimeField(_("終了"), null=True, blank=True)
    anytime = models.BooleanField(
        _("日程を決めない（随時）"), default=False, help_text=_("継続中のプロジェクトなど。")
    )
    capacity = models.PositiveIntegerField(
        _("定員"), null=True, blank=True, help_text=_("空欄なら定員なし。")
    )
    waitlist = models.BooleanField(_("キャンセル待ちを受け付ける"), default=True)

    class Meta:
        verbose_name = _("回")
        verbose_name_plural = _("回")
        ordering = ["activity", "anytime", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(anytime=True) | Q(starts_at__isnull=False),
                name="session_dated_or_anytime",
                violation_error_message=_("開始日時を入力するか、「随時」を選んでください。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("終了は開始より後にしてください。"),
            ),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The date as people read it: 2026年12月5日（土）10:00〜12:00, or 随時."""
        if self.anytime or self.starts_at is None:
            return gettext("随時")
        start = timezone.localtime(self.starts_at)
        values = {
            "date": date_format(start, "DATE_FORMAT"),
            "weekday": date_format(start, "D"),
            "start": date_format(start, "H:i"),
        }
        if self.ends_at is None:
            return gettext("%(date)s（%(weekday)s）%(start)s〜") % values
        end = timezone.localtime(self.ends_at)
        if end.date() == start.date():
            values["end"] = date_format(end, "H:i")
        else:
            values["end"] = f"{date_format(end, 'DATE_FORMAT')} {date_format(end, 'H:i')}"
        return gettext("%(date)s（%(weekday)s）%(start)s〜%(end)s") % values

    @property
    def places_left(self) -> int | None:
        """None when there is no limit. Uses `taken` when a selector has counted it."""
        if self.capacity is None:
            return None
        taken = getattr(self, "taken", None)
        return max(self.capacity - (self.count_taken() if taken is None else taken), 0)

    def count_taken(self) -> int:
        """Places held now (accepted, attended or no-show)."""
        return self.applications.filter(status__in=Application.TAKING_PLACE).count()

    def has_started(self, now=None) -> bool:
        return self.starts_at is not None and self.starts_at <= (now or timezone.now())


class ApplicationQuestion(models.Model):
    """A question an applicant answers (at most ten per activity)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("記述")
        CHOICE = "choice", _("選択肢")
        YES_NO = "yes_no", _("はい・いいえ")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("質問"), max_length=200)
    kind = models.CharField(_("回答の形式"), max_length=10, choices=Kind.choices,
                            default=Kind.TEXT)  # fmt: skip
    choices = models.JSONField(_("選択肢"), default=list, blank=True)
    required = models.BooleanField(_("回答必須"), default=False)
    position = models.PositiveSmallIntegerField(
        _("表示順"), default=0, validators=[MaxValueValidator(1000)]
    )

    class Meta:
        ordering = ["activity", "position", "pk"]

    def __str__(self):
        return self.text


class Application(models.Model):
    """A member's application to one session. Its status moves only through the services
    (`application_accept`, …), each checked against TRANSITIONS in services.py."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("応募済み")
        ACCEPTED = "accepted", _("参加確定")
        WAITLISTED = "waitlisted", _("キャンセル待ち")
        REJECTED = "rejected", _("見送り")
        ATTENDED = "attended", _("参加済み")
        NO_SHOW = "no_show", _("欠席")
        CANCELLED = "cancelled", _("キャンセル")

    # Statuses that hold one of the session's places.
    TAKING_PLACE = (Status.ACCEPTED, Status.ATTENDED, Status.NO_SHOW)
    # Statuses a member may still cancel from.
    LIVE = (Status.APPLIED, Status.ACCEPTED, Status.WAITLISTED)

    session = models.ForeignKey(
        ActivitySession, on_delete=models.PROTECT, related_name="applications"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices)
    # [{"question_id": 3, "question": "…", "kind": "text", "answer": "…"}]: the question is
    # kept with its answer, so later edits of the questions do not change what was answered.
    answers = models.JSONField(default=list, blank=True)
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    thanks_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("応募")
        verbose_name_plural = _("応募")
        constraints = [
            # One live application per member and session; after cancelling one may apply again.
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=~Q(status="cancelled"),
                name="application_once_per_session",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["member", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.member} → {self.session_id}"

    @property
    def answer_rows(self) -> list[tuple[str, str]]:
        """(question, answer) as people read them; yes/no answers in the reader's language."""
        yes_no = {"yes": gettext("はい"), "no": gettext("いいえ")}
        rows = []
        for answer in self.answers:
            value = answer.get("answer", "")
            if answer.get("kind") == ApplicationQuestion.Kind.YES_NO:
                value = yes_no.get(value, value)
            rows.append((answer.get("question", ""), value))
        return rows


class ApplicationEvent(models.Model):
    """One step of an application's life: from → to, by whom (empty: the system), when."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=Application.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Application.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["application", "at", "pk"]


class LotteryDraw(models.Model):
    """A recorded random draw for one session: the seed and the order it gave. The latest
    draw of a session counts; staff may draw again until the results are sent."""

    session = models.ForeignKey(ActivitySession, on_delete=models.CASCADE, related_name="draws")
    seed = models.BigIntegerField()
    # {"order": [application ids in drawn order], "accepted": [...], "waitlisted": [...],
    #  "rejected": [...]} as decided at draw time.
    result = models.JSONField(default=dict)
    drawn_at = models.DateTimeField(default=timezone.now)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "-drawn_at", "-pk"]


class CalendarFeed(models.Model):
    """A member's private calendar feed of their accepted applications. The URL's secret is
    kept only as a hash; a new one (or revoking) makes the old URL stop working."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="calendar_feed")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
