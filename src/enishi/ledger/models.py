from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community
from enishi.members.models import Member, Use


class Kind(models.TextChoices):
    """What an engagement counts as: one of the six uses, or joining itself."""

    REGISTRATION = "registration", _("登録")
    KNOWLEDGE = Use.KNOWLEDGE.value, Use.KNOWLEDGE.label
    VISIT = Use.VISIT.value, Use.VISIT.label
    DONATION = Use.DONATION.value, Use.DONATION.label
    LOCAL_ACTIVITY = Use.LOCAL_ACTIVITY.value, Use.LOCAL_ACTIVITY.label
    MIGRATION_TRIAL = Use.MIGRATION_TRIAL.value, Use.MIGRATION_TRIAL.label
    PROMOTION = Use.PROMOTION.value, Use.PROMOTION.label


class EngagementQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The ledger is append-only: record a correction instead.")

    def delete(self):
        raise PermissionError("The ledger is append-only: record a correction instead.")


class Engagement(models.Model):
    """One thing a member did for the region, with the points it earned. Append-only:
    a correction is a new entry (negative points) that names the entry it corrects."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="engagements")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="engagements")
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    # What it came from, e.g. ("activity_session", 42); empty for manual entries.
    source_type = models.CharField(max_length=30, blank=True)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    points = models.IntegerField(_("ポイント"))
    occurred_at = models.DateTimeField(_("日時"))
    note = models.CharField(_("メモ"), max_length=200, blank=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections")  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        verbose_name = _("関わりの記録")
        verbose_name_plural = _("関わりの記録")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            # One entry per member per source (attending a session twice counts once).
            models.UniqueConstraint(
                fields=["member", "source_type", "source_id"],
                condition=Q(corrects__isnull=True) & ~Q(source_type=""),
                name="engagement_once_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "-occurred_at"]),
            models.Index(fields=["community", "kind", "occurred_at"]),
            # A batch's once-per-source check (engagements_record): without it SQLite reads
            # every live entry through the corrects index (the partial unique index above is
            # not usable there, its `source_type <> ''` is not implied by `= 'donation'`).
            models.Index(fields=["source_type", "source_id"]),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The ledger is append-only: record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The ledger is append-only: record a correction instead.")


class PointsRule(models.Model):
    """How many points one engagement of a kind earns in a community (data, not code).
    An activity may override it for attendance."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="points_rules")
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    points = models.PositiveIntegerField(_("ポイント"))

    class Meta:
        verbose_name = _("ポイントのルール")
        verbose_name_plural = _("ポイントのルール")
        constraints = [
            models.UniqueConstraint(fields=["community", "kind"], name="pointsrule_unique_kind"),
        ]
