"""Partner shops (協力店), the benefits they give to members, redemptions at their counters,
visit spots with QR posters, and usage rewards (rules as data, achievements as rows)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community, Rank
from enishi.members.models import Member


def new_key() -> str:
    return secrets.token_urlsafe(12)


def _shop_photo_path(shop, filename):
    return f"shops/{shop.community_id}/{filename}"


class PartnerShop(models.Model):
    class Category(models.TextChoices):
        FOOD = "food", _("飲食")
        SWEETS = "sweets", _("和菓子・菓子")
        CRAFT = "craft", _("伊賀焼・工芸")
        SOUVENIR = "souvenir", _("おみやげ・物産")
        SAKE = "sake", _("酒蔵")
        LODGING = "lodging", _("宿泊")
        BATH = "bath", _("温泉・入浴")
        SIGHTSEEING = "sightseeing", _("観光・体験")
        OTHER = "other", _("その他")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="shops")
    name = models.CharField(_("店名"), max_length=100)
    category = models.CharField(_("業種"), max_length=20, choices=Category.choices)
    area = models.CharField(
        _("地域"), max_length=30, help_text=_("例：上野、島ヶ原、阿山、大山田、青山、伊賀")
    )
    address = models.CharField(_("住所"), max_length=200)
    opening_hours = models.CharField(_("営業時間"), max_length=200, blank=True)
    description = models.TextField(_("紹介"), max_length=1000, blank=True)
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("経度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    website = models.URLField(_("ウェブサイト"), blank=True)
    # Re-encoded on upload (core.photos: no EXIF, so no location), at most 2000 px.
    photo = models.ImageField(_("写真"), upload_to=_shop_photo_path, blank=True)
    photo_alt = models.CharField(
        _("写真の説明（代替テキスト）"),
        max_length=200,
        blank=True,
        help_text=_("目の見えない人にも伝わるよう、写真に写っているものを書きます。"),
    )
    is_active = models.BooleanField(
        _("掲載中"), default=True,
        help_text=_("外すと一覧から消え、特典も使えなくなります。"),
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("協力店")
        verbose_name_plural = _("協力店")
        ordering = ["area", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="shop_unique_name"),
        ]
        indexes = [models.Index(fields=["community", "is_active", "category"])]

    def __str__(self):
        return self.name

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Benefit(models.Model):
    """What a shop gives a member who shows the card, who may use it and how often."""

    class Frequency(models.TextChoices):
        ONCE = "once", _("1人1回まで")
        DAILY = "daily", _("1日1回まで")
        MONTHLY = "monthly", _("1か月に1回まで")
        UNLIMITED = "unlimited", _("何度でも")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="benefits")
    shop = models.ForeignKey(PartnerShop, on_delete=models.CASCADE, related_name="benefits")
    title = models.CharField(_("特典"), max_length=100, help_text=_("例：ドリンク1杯サービス"))
    description = models.CharField(_("説明・条件"), max_length=300, blank=True)
    min_rank = models.ForeignKey(
        Rank, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("使えるランク"), help_text=_("空欄なら会員全員。選ぶとそのランク以上。"),
    )  # fmt: skip
    frequency = models.CharField(
        _("使える回数"), max_length=10, choices=Frequency.choices, default=Frequency.UNLIMITED
    )
    valid_from = models.DateField(_("開始日"), null=True, blank=True)
    valid_until = models.DateField(_("終了日"), null=True, blank=True)
    is_active = models.BooleanField(_("提供中"), default=True)

    class Meta:
        verbose_name = _("特典")
        verbose_name_plural = _("特典")
        ordering = ["shop_id", "pk"]

    def __str__(self):
        return f"{self.shop} · {self.title}"


class Redemption(models.Model):
    """A member used a benefit at a shop's counter (recorded by the shop's staff)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey(PartnerShop, on_delete=models.PROTECT, related_name="redemptions")
    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="redemptions")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="redemptions")
    redeemed_at = models.DateTimeField(_("利用日時"), default=timezone.now)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("特典の利用")
        verbose_name_plural = _("特典の利用")
        ordering = ["-redeemed_at", "-pk"]
        indexes = [
            models.Index(fields=["member", "benefit", "-redeemed_at"]),
            models.Index(fields=["shop", "-redeemed_at"]),
        ]


class ShopStaff(models.Model):
    """Which shop a login with the shop staff role serves (one shop per community)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_posts"
    )
    shop = models.ForeignKey(PartnerShop, on_delete=models.CASCADE, related_name="staff")

    class Meta:
        verbose_name = _("協力店のスタッフ")
        verbose_name_plural = _("協力店のスタッフ")
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="shopstaff_one_shop"),
        ]


class VisitSpot(models.Model):
    """A place with a QR poster: a member who scans it has visited (once a day counts)."""

    class Kind(models.TextChoices):
        STATION = "station", _("駅")
        MUSEUM = "museum", _("博物館・資料館")
        SHOP = "shop", _("協力店")
        VENUE = "venue", _("イベント会場")
        SIGHT = "sight", _("観光地")
        OTHER = "other", _("その他")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="visit_spots")
    name = models.CharField(_("名前"), max_length=100)
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    shop = models.ForeignKey(
        PartnerShop, on_delete=models.SET_NULL, null=True, blank=True, related_name="spots",
        verbose_name=_("協力店"), help_text=_("協力店の店頭に貼るときに選びます。"),
    )  # fmt: skip
    description = models.CharField(_("説明"), max_length=300, blank=True)
    points = models.PositiveIntegerField(
        _("ポイント"), null=True, blank=True,
        help_text=_("空欄なら「継続的な来訪」のポイントのルールに従います。"),
    )  # fmt: skip
    is_active = models.BooleanField(_("受付中"), default=True)
    # Signed into the poster's QR code. Replacing it retires every printed poster.
    key = models.CharField(max_length=24, default=new_key, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("来訪スポット")
        verbose_name_plural = _("来訪スポット")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="visitspot_unique_name"),
        ]

    def __str__(self):
        return self.name


class Visit(models.Model):
    """A member scanned a spot's poster. At most one per spot, member and day (Japan time)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    spot = models.ForeignKey(VisitSpot, on_delete=models.PROTECT, related_name="visits")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("日付"))
    visited_at = models.DateTimeField(_("日時"), default=timezone.now)

    class Meta:
        verbose_name = _("来訪")
        verbose_name_plural = _("来訪")
        ordering = ["-visited_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["spot", "member", "visited_on"], name="visit_once_per_spot_per_day"
            ),
        ]
        indexes = [models.Index(fields=["member", "-visited_at"])]


class UsageReward(models.Model):
    """A reward rule, as data: "5 visits in a year → a gift", "3 different shops → 認定証"."""

    class Rule(models.TextChoices):
        VISITS_12M = "visits_12m", _("過去12か月の来訪・特典利用の回数")
        DISTINCT_SHOPS = "distinct_shops", _("特典を使った協力店の数")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名前"), max_length=100, help_text=_("例：伊賀通いの記念品"))
    rule = models.CharField(_("条件"), max_length=20, choices=Rule.choices)
    threshold = models.PositiveSmallIntegerField(_("回数・店数（以上）"))
    reward = models.CharField(_("お渡しするもの"), max_length=200)
    is_active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("利用の特典")
        verbose_name_plural = _("利用の特典")
        ordering = ["rule", "threshold"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=1), name="usagereward_threshold"),
        ]

    def __str__(self):
        return self.name


class RewardAchievement(models.Model):
    """A member reached a usage reward: staff hand it over; the member is mailed once."""

    reward = models.ForeignKey(UsageReward, on_delete=models.CASCADE, related_name="achievements")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    reached_at = models.DateTimeField(default=timezone.now)
    handed_over_at = models.DateTimeField(_("お渡し日時"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-reached_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["reward", "member"], name="achievement_once"),
        ]
