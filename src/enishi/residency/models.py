"""ふるさと住民登録 (the national hometown-resident registration): the Premium rules as data,
the activities designated as 担い手活動 per fiscal year, identity checks and what a member
declares about their other registrations."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.activities.models import Activity
from enishi.communities.models import Community
from enishi.members.models import Member


class IdentityLevel(models.IntegerChoices):
    """How sure the community is of who a member is; higher is stronger."""

    NONE = 0, _("未確認")
    EMAIL = 1, _("メールアドレスの確認")
    IN_PERSON = 2, _("職員による対面での確認")
    EXTERNAL = 3, _("外部の本人確認（マイナンバーカード等）")


class RuleSet(models.Model):
    """What a member needs for a Premium registration with this community. The ministry's
    details may change, so every number is a field staff can edit (seeded for 伊賀衆 with the
    values reported from the ministry's January 2026 material)."""

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, related_name="premium_rules"
    )
    required_activities = models.PositiveSmallIntegerField(
        _("年度内に必要な指定担い手活動の回数"), default=3
    )
    min_identity_level = models.PositiveSmallIntegerField(
        _("必要な本人確認"),
        choices=[c for c in IdentityLevel.choices if c[0] != IdentityLevel.NONE],
        default=IdentityLevel.IN_PERSON,
        help_text=_("この水準以上の本人確認が必要です。"),
    )
    max_municipalities = models.PositiveSmallIntegerField(
        _("プレミアム登録できる自治体の数の上限"), default=3,
        help_text=_("この自治体を含めた数です。"),
    )  # fmt: skip
    yearly_renewal = models.BooleanField(
        _("毎年度の更新が必要"), default=True,
        help_text=_("プレミアム登録は年度末まで有効で、4月1日に更新します。"),
    )  # fmt: skip
    excludes_residents = models.BooleanField(
        _("この自治体に住んでいる人は対象外"), default=True
    )
    registers_prefecture = models.BooleanField(
        _("都道府県にも同時に登録される"), default=True
    )
    source_note = models.CharField(
        _("根拠（資料名・日付）"), max_length=200, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("プレミアム登録の条件")
        verbose_name_plural = _("プレミアム登録の条件")


class ActivityDesignation(models.Model):
    """An activity counted as a designated 担い手活動 in one fiscal year (attending one of its
    sessions held in that year counts towards Premium)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="designations")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    designated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "fiscal_year"], name="designation_once_per_year"
            ),
        ]
        indexes = [models.Index(fields=["fiscal_year", "activity"])]


class IdentityCheck(models.Model):
    """A member's identity was verified (in person by staff, or by an external service).
    Never edited: the strongest row counts; e-mail verification needs no row."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="identity_checks")
    level = models.PositiveSmallIntegerField(
        _("本人確認の水準"),
        choices=[c for c in IdentityLevel.choices if c[0] > IdentityLevel.EMAIL],
    )
    method = models.CharField(
        _("確認の方法"), max_length=100, help_text=_("例：運転免許証を窓口で確認")
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["member", "-checked_at", "-pk"]
        indexes = [models.Index(fields=["member", "level"])]


class Declaration(models.Model):
    """What the member declares: with how many other municipalities they hold a Premium
    registration."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="residency_declaration"
    )
    other_municipalities = models.PositiveSmallIntegerField(
        _("ほかにプレミアム登録している自治体の数"), default=0
    )
    declared_at = models.DateTimeField(auto_now=True)
