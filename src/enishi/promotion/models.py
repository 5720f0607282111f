from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community
from enishi.members.models import Member


class Referral(models.Model):
    """A registration through a member's invitation link or code. The referrer earns
    `promotion` points when the invited member verifies and when they first attend, unless
    the referral is flagged (then staff see it and nobody is rewarded)."""

    class Flag(models.TextChoices):
        SELF = "self", _("本人による紹介の疑い")
        LOOP = "loop", _("紹介の循環")
        MASS = "mass", _("同じ接続元からの大量登録")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="referrals")
    referrer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="referrals_made")
    invited = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="referral")
    flag = models.CharField(_("注意"), max_length=10, choices=Flag.choices, blank=True)
    # A keyed hash of the sign-up's IP address: enough to count sign-ups from one connection,
    # without keeping the address itself.
    address_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("紹介")
        verbose_name_plural = _("紹介")
        indexes = [
            models.Index(fields=["community", "referrer"]),
            models.Index(fields=["address_hash", "created_at"]),
        ]


class AmbassadorSetting(models.Model):
    """A member's choice about appearing on the public ambassador leaderboard (shown by
    nickname only; a member without a nickname is never shown)."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="ambassador")
    public = models.BooleanField(_("紹介ランキングに表示する"), default=True)


class Campaign(models.Model):
    """A call for SNS posts with a period, a hashtag and the points an approved post earns."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="campaigns")
    title = models.CharField(_("キャンペーン名"), max_length=100)
    description = models.TextField(_("説明"), max_length=2000, blank=True)
    hashtag = models.CharField(_("ハッシュタグ"), max_length=50)
    starts_on = models.DateField(_("開始日"))
    ends_on = models.DateField(_("終了日"))
    points = models.PositiveIntegerField(
        _("承認1件のポイント"), null=True, blank=True,
        help_text=_("空欄なら「魅力発信」の標準ポイントです。"),
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("投稿キャンペーン")
        verbose_name_plural = _("投稿キャンペーン")
        ordering = ["-starts_on", "-pk"]

    def __str__(self):
        return self.title

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.ends_on


class Platform(models.TextChoices):
    X = "x", "X"
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    YOUTUBE = "youtube", "YouTube"
    NOTE = "note", "note"
    BLOG = "blog", _("ブログ・その他")


class PostSubmission(models.Model):
    """A member's link to a post they made about the region. Only the URL and the member's
    own text are stored: the server never fetches the post."""

    class Status(models.TextChoices):
        PENDING = "pending", _("確認待ち")
        APPROVED = "approved", _("承認")
        REJECTED = "rejected", _("見送り")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="posts")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="posts")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="posts",
        verbose_name=_("キャンペーン"),
    )  # fmt: skip
    url = models.URLField(_("投稿のURL"), max_length=500)
    # The URL without scheme, "www.", query or trailing slash: the same post counts once.
    url_key = models.CharField(max_length=500, editable=False)
    platform = models.CharField(_("サービス"), max_length=10, choices=Platform.choices)
    hashtag = models.CharField(_("ハッシュタグ"), max_length=50, blank=True)
    text = models.TextField(_("ひとこと"), max_length=500, blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    review_note = models.CharField(_("職員のメモ"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")  # fmt: skip
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("SNS投稿")
        verbose_name_plural = _("SNS投稿")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "url_key"], name="post_unique_url"),
        ]
        indexes = [models.Index(fields=["community", "status", "created_at"])]
