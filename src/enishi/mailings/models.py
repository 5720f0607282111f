"""Newsletters to segments, their per-recipient deliveries, mail topic lists and journeys."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.activities.models import Activity
from enishi.communities.models import Community
from enishi.members.models import Member


class MailTopic(models.Model):
    """A list members may leave on its own (会報, イベント案内, 伊賀のしごと). Every member who
    accepts marketing mail is on every list until they leave it (a `TopicOptOut` row)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="mail_topics")
    name = models.CharField(_("配信リスト名"), max_length=40)
    description = models.CharField(_("説明"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="mailtopic_unique_name")
        ]

    def __str__(self):
        return self.name


class TopicOptOut(models.Model):
    """A member left one list. Deleted again when they rejoin it."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="topic_opt_outs")
    topic = models.ForeignKey(MailTopic, on_delete=models.CASCADE, related_name="opt_outs")
    source = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "topic"], name="topicoptout_unique")
        ]


class SuppressedAddress(models.Model):
    """An address no marketing mail goes to again: refused as invalid, or bounced."""

    class Reason(models.TextChoices):
        INVALID = "invalid", _("無効なアドレス")
        BOUNCED = "bounced", _("不達（バウンス）")

    email = models.CharField(max_length=254, unique=True)  # stored lower-case
    reason = models.CharField(max_length=10, choices=Reason.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Segment(models.Model):
    """Saved conditions choosing members (or, for invitations to join, contacts who agreed to
    information from the municipality); compiled into one query by `selectors`."""

    class Match(models.TextChoices):
        ALL = "all", _("すべての条件に当てはまる（AND）")
        ANY = "any", _("いずれかの条件に当てはまる（OR）")

    class Audience(models.TextChoices):
        MEMBERS = "members", _("会員")
        CONTACTS = "contacts", _("連絡先（登録への招待）")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(_("セグメント名"), max_length=80)
    audience = models.CharField(
        _("送り先の種類"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS
    )
    match = models.CharField(
        _("条件の組み合わせ"), max_length=3, choices=Match.choices, default=Match.ALL
    )
    conditions = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        if self.audience == self.Audience.CONTACTS:
            return _("%(name)s（連絡先）") % {"name": self.name}
        return self.name

    @property
    def for_contacts(self) -> bool:
        return self.audience == self.Audience.CONTACTS


class Mailing(models.Model):
    """One newsletter (or one run of a journey): subject and Markdown body with merge fields.
    A mailing to a contacts segment is an invitation to join: no list (topic), each contact's
    own registration link, and the contact's "no more mail" link instead of the list's."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        SCHEDULED = "scheduled", _("予約済み")
        SENDING = "sending", _("送信中")
        SENT = "sent", _("送信済み")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="mailings")
    topic = models.ForeignKey(
        MailTopic, on_delete=models.PROTECT, null=True, blank=True, related_name="mailings",
        verbose_name=_("配信リスト"),
    )  # fmt: skip
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, null=True, blank=True, related_name="mailings",
        verbose_name=_("送り先のセグメント"),
    )  # fmt: skip
    journey = models.ForeignKey(
        "Journey", on_delete=models.PROTECT, null=True, blank=True, related_name="mailings"
    )
    subject = models.CharField(_("件名"), max_length=150)
    body = models.TextField(_("本文（Markdown）"), max_length=20000)
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("おすすめの活動"),
    )  # fmt: skip
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self):
        return self.subject

    @property
    def for_contacts(self) -> bool:
        return self.segment is not None and self.segment.for_contacts


class Delivery(models.Model):
    """One recipient (a member, or a contact for an invitation) of one mailing. The unique
    pair is what makes a second send impossible:
    a worker claims the row (queued → sending, with its token) before talking to the mail
    server and marks it sent after."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("送信待ち")
        SENDING = "sending", _("送信処理中")
        SENT = "sent", _("送信済み")
        FAILED = "failed", _("送信失敗")
        INVALID = "invalid", _("無効なアドレス")
        BOUNCED = "bounced", _("不達")
        SKIPPED = "skipped", _("配信停止のため送らず")

    DONE = (Status.SENT, Status.FAILED, Status.INVALID, Status.BOUNCED, Status.SKIPPED)

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    contact = models.ForeignKey(
        "donations.Contact", on_delete=models.CASCADE, null=True, blank=True,
        related_name="deliveries",
    )  # fmt: skip
    email = models.CharField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailing", "member"], name="delivery_once"),
            models.UniqueConstraint(fields=["mailing", "contact"], name="delivery_once_contact"),
            models.CheckConstraint(
                condition=Q(member__isnull=False, contact__isnull=True)
                | Q(member__isnull=True, contact__isnull=False),
                name="delivery_one_recipient",
            ),
        ]
        indexes = [
            models.Index(
                fields=["mailing", "next_attempt_at"],
                condition=Q(status="queued"),
                name="delivery_ready",
            ),
            models.Index(fields=["mailing", "status"]),
            models.Index(fields=["member", "-sent_at"]),
            models.Index(fields=["contact"], condition=Q(contact__isnull=False),
                         name="delivery_contact"),
        ]  # fmt: skip

    @property
    def recipient_id(self) -> int:
        return self.contact_id if self.contact_id is not None else self.member_id


class Journey(models.Model):
    """An automatic mail: a rule (its kind and days) and a template, run by
    `enishi run_journeys`. A member gets it at most once per period (`JourneySend`)."""

    class Kind(models.TextChoices):
        WELCOME = "welcome", _("ようこそ（入会当日）")
        WELCOME_FOLLOW_UP = "welcome_7", _("ようこそ続編（入会から数日後・おすすめ活動3件）")
        WE_MISS_YOU = "we_miss_you", _("お久しぶりです（一定期間関わりがない会員）")
        ONE_SHORT = "one_short", _("あと1回で次のランク")
        RECOMMENDED = "recommended", _("あなたへのおすすめ（受付中の活動から、理由つき）")
        INTEREST_CLOSING = "interest_closing", _("「興味あり」の活動の締切が近い")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="journeys")
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    topic = models.ForeignKey(
        MailTopic, on_delete=models.PROTECT, related_name="journeys", verbose_name=_("配信リスト")
    )
    is_active = models.BooleanField(_("自動送信する"), default=True)
    days = models.PositiveSmallIntegerField(
        _("日数"), default=0,
        help_text=_("ようこそ続編：入会から何日後か。お久しぶりです：何日関わりがなければ送るか。"
                    "締切が近い：締切の何日前に送るか。"),
    )  # fmt: skip
    period_days = models.PositiveSmallIntegerField(
        _("同じ会員に再び送るまでの日数"), default=0,
        help_text=_("0 は一人に一度だけ。"),
    )  # fmt: skip
    subject = models.CharField(_("件名"), max_length=150)
    body = models.TextField(_("本文（Markdown）"), max_length=20000)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "kind"], name="journey_unique_kind")
        ]

    def __str__(self):
        return self.get_kind_display()


class JourneySend(models.Model):
    """A journey reached a member in a period; the unique triple keeps it to once."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="sends")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="journey_sends")
    period = models.CharField(max_length=20)
    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="journey_sends")
    sent_on = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "member", "period"], name="journeysend_once_per_period"
            ),
        ]
