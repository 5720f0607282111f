from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community
from enishi.members.models import Member


class Consent(models.Model):
    """One answer a member gave about a purpose, with the policy version shown at the time.

    Never edited: the latest row per purpose is the member's current answer.
    """

    class Purpose(models.TextChoices):
        TERMS = "terms", _("利用規約")
        PRIVACY_POLICY = "privacy_policy", _("プライバシーポリシー")
        NEWSLETTER_EMAIL = "newsletter_email", _("メールマガジン（メール）")

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


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Who read or exported personal data, when, and how much. Append-only."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_events"
    )

    class Action(models.TextChoices):
        MEMBER_VIEW = "member_view", _("会員詳細の閲覧")
        MEMBER_EXPORT = "member_export", _("会員一覧の書き出し")
        APPLICANT_EXPORT = "applicant_export", _("応募者一覧の書き出し")
        CHECKIN_LIST = "checkin_list", _("受付名簿の表示")
        SEGMENT_SAMPLE = "segment_sample", _("セグメントの該当者の表示")
        MAILING_RECIPIENTS = "mailing_recipients", _("メール配信の宛先一覧の表示")

    action = models.CharField(max_length=40, choices=Action.choices)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    row_count = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
