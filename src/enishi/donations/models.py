"""ふるさと納税 donations, the contacts they come from (the latent population: people the
community knows who have not registered) and the review queue of uncertain matches."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community
from enishi.core.models import ImportRecord
from enishi.members.models import Member


class Answer(models.TextChoices):
    YES = "yes", _("希望する")
    NO = "no", _("希望しない")
    UNKNOWN = "unknown", _("不明")


class Contact(models.Model):
    """A person the community knows but who has not registered. It holds only what the source
    gave and the purposes the person agreed to; once merged into a member (`member`), its
    personal fields are blanked and its history is the member's."""

    class Source(models.TextChoices):
        DONATION = "donation", _("ふるさと納税")
        EVENT = "event", _("イベントの当日参加")
        FAIR = "fair", _("フェア・相談会")
        OTHER = "other", _("その他")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(_("氏名"), max_length=100, blank=True)
    name_kana = models.CharField(_("フリガナ"), max_length=100, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=7, blank=True)
    address = models.CharField(_("住所"), max_length=300, blank=True)
    email = models.CharField(_("メールアドレス"), max_length=254, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    source = models.CharField(_("出どころ"), max_length=10, choices=Source.choices)
    # "Information from the municipality by email": the one purpose a donor list states.
    info_consent = models.CharField(
        _("自治体からのお知らせ"), max_length=8, choices=Answer.choices, default=Answer.UNKNOWN
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    # Compared when matching (core.text.name_key etc.); kept so contacts are found by index.
    name_key = models.CharField(max_length=100, blank=True, editable=False)
    kana_key = models.CharField(max_length=100, blank=True, editable=False)
    address_key = models.CharField(max_length=300, blank=True, editable=False)
    # The member who registered through this contact's invitation, until they are active.
    claimed_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts",
        verbose_name=_("統合先の会員"),
    )  # fmt: skip
    merged_at = models.DateTimeField(_("統合日"), null=True, blank=True)
    invited_at = models.DateTimeField(_("招待日"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("連絡先")
        verbose_name_plural = _("連絡先")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "email"]),
            models.Index(fields=["community", "kana_key", "postal_code"]),
            models.Index(fields=["community", "name_key"]),
            models.Index(fields=["community", "postal_code"]),  # the import's candidates
            models.Index(fields=["community", "-created_at", "-id"]),
        ]

    def __str__(self):
        return self.name or f"#{self.pk}"

    @property
    def is_merged(self) -> bool:
        return self.member_id is not None


class Donation(models.Model):
    """One donation from a portal export. `identity` (portal + receipt number, or a hash of
    the row) makes a second import of the same row a duplicate instead of a new donation."""

    class Match(models.TextChoices):
        MEMBER = "member", _("会員に紐付け")
        CONTACT = "contact", _("連絡先に紐付け")
        REVIEW = "review", _("確認待ち")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="donations")
    identity = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=64)
    import_record = models.ForeignKey(
        ImportRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    portal = models.CharField(_("ポータル"), max_length=50, blank=True)
    receipt_number = models.CharField(_("受付番号"), max_length=100, blank=True)
    donated_on = models.DateField(_("寄附日"))
    amount = models.PositiveIntegerField(_("金額（円）"))
    gift = models.CharField(_("返礼品"), max_length=200, blank=True)
    # The donor as the row gave them: kept for matching and the review queue.
    name = models.CharField(_("氏名"), max_length=100, blank=True)
    name_kana = models.CharField(_("フリガナ"), max_length=100, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=7, blank=True)
    address = models.CharField(_("住所"), max_length=300, blank=True)
    email = models.CharField(_("メールアドレス"), max_length=254, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    info_consent = models.CharField(
        _("自治体からのお知らせ"), max_length=8, choices=Answer.choices, default=Answer.UNKNOWN
    )
    match = models.CharField(_("紐付け"), max_length=8, choices=Match.choices, blank=True)
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="donations"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="donations"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("寄附")
        verbose_name_plural = _("寄附")
        ordering = ["-donated_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "identity"], name="donation_identity"),
        ]
        indexes = [
            models.Index(fields=["community", "-donated_on", "-id"]),
            models.Index(fields=["community", "match"]),
        ]


class MatchReview(models.Model):
    """A donation whose donor could be one of several people, or only weakly resembles one:
    staff decide. Nothing is linked until they do."""

    class Status(models.TextChoices):
        OPEN = "open", _("確認待ち")
        CONFIRMED = "confirmed", _("同一人物と確認")
        REJECTED = "rejected", _("別人（新しい連絡先）")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    donation = models.OneToOneField(Donation, on_delete=models.CASCADE, related_name="review")
    # [{"kind": "member"|"contact", "id": 1, "reason": "kana_postal"}, …]
    candidates = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["community", "status"], condition=Q(status="open"), name="matchreview_open"
            ),  # fmt: skip
        ]


class Invitation(models.Model):
    """An invitation to join mailed to a contact who agreed to information by email, made when
    a mailing to a contacts segment is queued. One per contact: no contact is invited twice,
    whatever mailings name them."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="invitation")
    mailing = models.ForeignKey(
        "mailings.Mailing", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)


class ContactAttendance(models.Model):
    """A contact came to an activity session as a walk-in (recorded at the check-in desk).
    When the contact becomes a member, it becomes their attended application and ledger
    entry."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey(
        "activities.ActivitySession", on_delete=models.CASCADE, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "session"], name="contactattendance_once"),
        ]
