from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.activities.models import Activity
from enishi.communities.models import Community
from enishi.members.models import Use


class Report(models.Model):
    """An activity report (活動レポート) or a piece of news, published at /news/."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        PUBLISHED = "published", _("公開")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="reports")
    title = models.CharField(_("タイトル"), max_length=120)
    summary = models.CharField(
        _("概要"), max_length=200,
        help_text=_("一覧・SNSでのシェア・フィードに出る短い説明です。"),
    )  # fmt: skip
    body = models.TextField(
        _("本文"), max_length=20000,
        help_text=_(
            "Markdown で書けます（見出しは ##、箇条書きは -、リンクは [文字](URL)）。"
            "HTMLは使えません。"
        ),
    )  # fmt: skip
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports",
        verbose_name=_("報告する活動"),
    )  # fmt: skip
    use = models.CharField(
        _("関わり方"), max_length=20, choices=Use.choices, blank=True,
        help_text=_(
            "同じ関わり方の、これからの活動を記事の下に案内します。"
            "空欄なら報告する活動の関わり方です。"
        ),
    )  # fmt: skip
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("活動レポート")
        verbose_name_plural = _("活動レポート")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["community", "status", "-published_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("news:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def related_use(self) -> str:
        return self.use or (self.activity.use if self.activity else "")


def _photo_path(photo, filename):
    return f"news/{photo.report.community_id}/{photo.report_id}/{filename}"


class ReportPhoto(models.Model):
    """A photo of a report: re-encoded on upload (no EXIF, so no location), at most
    ENISHI_PHOTO_MAX_EDGE pixels on the long side."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=_photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt = models.CharField(
        _("写真の説明（代替テキスト）"), max_length=200,
        help_text=_("目の見えない方の読み上げに使います。何が写っているかを書いてください。"),
    )  # fmt: skip
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
