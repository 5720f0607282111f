from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Community(models.Model):
    """A platform of one municipality (or consortium): 伊賀衆 of Iga City. Every domain row
    belongs to one."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("名称"), max_length=100)
    tagline = models.CharField(_("ひとこと紹介"), max_length=200, blank=True)
    municipality_name = models.CharField(_("自治体名"), max_length=50)
    municipality_code = models.CharField(_("自治体コード（JIS X 0402）"), max_length=5)
    member_number_prefix = models.CharField(_("会員番号の接頭辞"), max_length=8)
    next_member_sequence = models.PositiveIntegerField(default=1, editable=False)
    terms_version = models.CharField(_("利用規約の版"), max_length=20)
    privacy_policy_version = models.CharField(_("プライバシーポリシーの版"), max_length=20)
    logo = models.CharField(
        _("ロゴ（静的ファイルのパス）"), max_length=200, default="enishi/img/logo.svg"
    )
    domain = models.CharField(
        _("ドメイン"),
        max_length=200,
        blank=True,
        help_text=_("このコミュニティを表示するホスト名。空欄なら既定のコミュニティ。"),
    )

    class Meta:
        verbose_name = _("コミュニティ")
        verbose_name_plural = _("コミュニティ")

    def __str__(self):
        return self.name


class Organizer(models.Model):
    """Who runs activities: a city department, a partner town, an NPO or a local group."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="organizers")
    name = models.CharField(_("名称"), max_length=100)
    contact_email = models.EmailField(_("連絡先メールアドレス"), blank=True)

    class Meta:
        verbose_name = _("主催団体")
        verbose_name_plural = _("主催団体")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="organizer_unique_name"),
        ]

    def __str__(self):
        return self.name


class Rank(models.Model):
    """One step of the community's rank ladder, reached at `min_points`."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="ranks")
    name = models.CharField(_("ランク名"), max_length=50)
    min_points = models.PositiveIntegerField(_("必要ポイント"))
    min_attendances_12m = models.PositiveSmallIntegerField(
        _("過去12か月の参加回数（以上）"), default=0,
        help_text=_("このランクに必要な、直近12か月の活動への参加回数。"),
    )  # fmt: skip

    class Meta:
        ordering = ["community", "min_points"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "min_points"], name="rank_unique_threshold"
            ),
        ]

    def __str__(self):
        return self.name


class Tag(models.Model):
    """A staff-editable word members pick: a topic they care about, or a skill they offer."""

    class Kind(models.TextChoices):
        TOPIC = "topic", _("関心のあるテーマ")
        SKILL = "skill", _("スキル・経験")
        HASHTAG = "hashtag", _("ハッシュタグ")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="tags")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(_("名前"), max_length=40)
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)
    is_active = models.BooleanField(_("選択肢に表示する"), default=True)

    class Meta:
        ordering = ["kind", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "kind", "name"], name="tag_unique_name"),
        ]

    def __str__(self):
        return self.name


class StaffRole(models.Model):
    """A login's role in one community's staff. What each role may do: permissions.py."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("コミュニティ管理者")
        ORGANIZER = "organizer", _("主催団体の職員")
        VIEWER = "viewer", _("閲覧者（集計のみ）")
        SHOP = "shop", _("協力店のスタッフ")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices, default=Role.ADMIN)
    organizer = models.ForeignKey(
        Organizer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff_roles",
        verbose_name=_("主催団体"),
        help_text=_("主催団体の職員のときだけ選びます。"),
    )

    class Meta:
        verbose_name = _("職員の役割")
        verbose_name_plural = _("職員の役割")
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="staffrole_unique"),
            models.CheckConstraint(
                condition=Q(role="organizer", organizer__isnull=False)
                | (~Q(role="organizer") & Q(organizer__isnull=True)),
                name="staffrole_organizer_only_for_organizer_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"
