import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community
from enishi.members.models import Member

# The previous hash of the first row.
GENESIS_HASH = "0" * 64


class Consent(models.Model):
    """One answer a member gave about a purpose, with the policy version shown at the time.

    Never edited: the latest row per purpose is the member's current answer.
    """

    class Purpose(models.TextChoices):
        TERMS = "terms", _("利用規約")
        PRIVACY_POLICY = "privacy_policy", _("プライバシーポリシー")
        NEWSLETTER_EMAIL = "newsletter_email", _("メールマガジン（メール）")
        REGISTRY_SHARE = "registry_share", _("ふるさと住民登録の情報の提供")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    granted = models.BooleanField()
    version = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=20)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member", "purpose", "-recorded_at", "-pk"]
        # Serves "the latest answer" per member (segments ask it for every member at once).
        indexes = [models.Index(fields=["member", "purpose", "-recorded_at", "-id"])]


def event_hash(event) -> str:
    """The hash of an audit row: SHA-256 over the previous row's hash and the canonical JSON of
    every other field. Module-level so the migration that chained the old rows uses it too."""
    content = json.dumps(
        {
            "sequence": event.sequence,
            "community": event.community_id,
            "actor": event.actor_id,
            "action": event.action,
            "member": event.member_id,
            "row_count": event.row_count,
            "detail": event.detail,
            "ip_address": event.ip_address,
            "created_at": event.created_at.astimezone(UTC).isoformat(),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{event.previous_hash}\n{content}".encode()).hexdigest()


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Who read, exported, changed or erased personal data or roles, when, and how much.

    Append-only and hash-chained (as byro's log): each row stores the hash of the row before it
    and a hash over its own content, so an edited or deleted row breaks the chain
    (`enishi audit verify`). Rows are written only by `privacy.services.audit_record`.
    """

    class Action(models.TextChoices):
        MEMBER_LIST = "member_list", _("会員一覧の閲覧")
        MEMBER_VIEW = "member_view", _("会員詳細の閲覧")
        MEMBER_EXPORT = "member_export", _("会員一覧の書き出し")
        APPLICANT_LIST = "applicant_list", _("応募者一覧の閲覧")
        APPLICANT_EXPORT = "applicant_export", _("応募者一覧の書き出し")
        CHECKIN_LIST = "checkin_list", _("受付名簿の表示")
        ROLE_CHANGE = "role_change", _("職員の役割の変更")
        MEMBER_ERASE = "member_erase", _("個人情報の消去")
        INSIGHTS_EXPORT = "insights_export", _("集計・報告書の書き出し")
        SEGMENT_SAMPLE = "segment_sample", _("セグメントの該当者の表示")
        MAILING_RECIPIENTS = "mailing_recipients", _("メール配信の宛先一覧の表示")
        REFERRAL_LIST = "referral_list", _("紹介の一覧の閲覧")
        POST_LIST = "post_list", _("SNS投稿の一覧の閲覧")
        DONATION_LIST = "donation_list", _("寄附の一覧の閲覧")
        DONATION_EXPORT = "donation_export", _("寄附の一覧の書き出し")
        MATCH_REVIEW_LIST = "match_review_list", _("寄附者の照合待ちの閲覧")
        CONTACT_LIST = "contact_list", _("連絡先の一覧の閲覧")
        CONTACT_VIEW = "contact_view", _("連絡先の詳細の閲覧")
        IDENTITY_CHECK = "identity_check", _("本人確認の記録")
        PREMIUM_LIST = "premium_list", _("プレミアム登録の対象者の一覧の閲覧")
        REGISTRATION_EXPORT = "registration_export", _("ふるさと住民登録の書き出し")
        API_TOKEN = "api_token", _("APIトークンの発行・失効")
        API_READ = "api_read", _("APIによる会員情報の読み出し")
        SCOUT_SEARCH = "scout_search", _("スキルで探す（会員の検索）")
        INTEREST_LIST = "interest_list", _("「興味あり」の会員一覧の閲覧")

    sequence = models.PositiveBigIntegerField(unique=True)
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="audit_events")
    # Empty for what the system does by itself (scheduled erasure).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    row_count = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def compute_hash(self) -> str:
        return event_hash(self)


class AuditChainHead(models.Model):
    """The newest row of the audit chain (one row). Writers lock it, so rows are chained in
    order also when two requests write at once; verification compares it with the last row,
    so deleting the newest rows is noticed too."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)


class PolicyVersion(models.Model):
    """A published version of a community's terms or privacy policy. The community's current
    version is `Community.terms_version` / `privacy_policy_version`; both are set only by
    `privacy.services.policy_publish`, which writes this row in the same transaction."""

    class Document(models.TextChoices):
        TERMS = "terms", _("利用規約")
        PRIVACY_POLICY = "privacy_policy", _("プライバシーポリシー")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="policy_versions"
    )
    document = models.CharField(_("文書"), max_length=20, choices=Document.choices)
    version = models.CharField(_("版"), max_length=20)
    changes = models.TextField(
        _("変更点"), max_length=2000, help_text=_("会員に示す、前の版からの変更点の要約。")
    )
    requires_consent = models.BooleanField(
        _("同意を取り直す"),
        default=True,
        help_text=_("重要な変更のとき。会員は次のログインで新しい版への同意を求められます。"),
    )
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["community", "document", "-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "document", "version"], name="policyversion_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_document_display()} {self.version}"
