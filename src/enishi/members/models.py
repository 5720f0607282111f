from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community, Tag
from enishi.core.japan import PREFECTURE_CHOICES


class Use(models.TextChoices):
    """The six ways a member contributes (活用タイプ, from the ministry)."""

    KNOWLEDGE = "knowledge", _("知見の提供")
    VISIT = "visit", _("継続的な来訪")
    DONATION = "donation", _("ふるさと納税")
    LOCAL_ACTIVITY = "local_activity", _("地域活動への参加")
    MIGRATION_TRIAL = "migration_trial", _("移住体験への参加")
    PROMOTION = "promotion", _("魅力発信")


class Tie(models.TextChoices):
    """How a member is tied to the region."""

    BIRTHPLACE = "birthplace", _("出身")
    FORMER_RESIDENT = "former_resident", _("以前住んでいた")
    FAMILY = "family", _("家族・親族が住んでいる")
    COMMUTE = "commute", _("通勤・通学")
    BUSINESS = "business", _("仕事・取引")
    TOURISM = "tourism", _("観光・来訪")
    HOMETOWN_TAX = "hometown_tax", _("ふるさと納税")
    CULTURE = "culture", _("伊賀の文化・忍者が好き")
    OTHER = "other", _("その他")


class Gender(models.TextChoices):
    FEMALE = "female", _("女性")
    MALE = "male", _("男性")
    OTHER = "other", _("その他")
    UNANSWERED = "unanswered", _("回答しない")


class Availability(models.TextChoices):
    """When a member can most easily lend a hand (scouting filters on it)."""

    WEEKDAYS = "weekdays", _("平日")
    WEEKENDS = "weekends", _("土日・祝日")
    ANY = "any", _("平日も土日・祝日も")


class Channel(models.TextChoices):
    FRIEND = "friend", _("知人・家族の紹介")
    SNS = "sns", _("SNS")
    CITY_PR = "city_pr", _("市の広報・ウェブサイト")
    HOMETOWN_TAX = "hometown_tax", _("ふるさと納税")
    EVENT = "event", _("イベント・説明会")
    MEDIA = "media", _("新聞・テレビ・雑誌")
    SEARCH = "search", _("ウェブ検索")
    OTHER = "other", _("その他")


class Member(models.Model):
    """A person registered with a community (one login may be a member of several communities)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("メール未確認")
        ACTIVE = "active", _("有効")
        WITHDRAWN = "withdrawn", _("退会済み")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="memberships"
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    number = models.CharField(_("会員番号"), max_length=20, null=True, blank=True)

    family_name = models.CharField(_("姓"), max_length=50)
    given_name = models.CharField(_("名"), max_length=50)
    family_name_kana = models.CharField(_("セイ"), max_length=50)
    given_name_kana = models.CharField(_("メイ"), max_length=50)
    nickname = models.CharField(_("ニックネーム"), max_length=30, blank=True)
    # Denormalised for partial-match search over the whole name.
    search_name = models.CharField(max_length=100, blank=True, editable=False)
    search_kana = models.CharField(max_length=100, blank=True, editable=False)

    birth_year = models.PositiveSmallIntegerField(_("生まれ年"), null=True)
    birth_month = models.PositiveSmallIntegerField(_("生まれ月"), null=True)
    # Survives withdrawal, when the birth year and month are erased.
    birth_decade = models.PositiveSmallIntegerField(null=True, editable=False)
    gender = models.CharField(
        _("性別"), max_length=12, choices=Gender.choices, default=Gender.UNANSWERED
    )

    postal_code = models.CharField(_("郵便番号"), max_length=7, blank=True)
    prefecture_code = models.CharField(_("都道府県"), max_length=2, choices=PREFECTURE_CHOICES)
    municipality_code = models.CharField(_("市区町村コード"), max_length=5, blank=True)
    city = models.CharField(_("市区町村"), max_length=50, blank=True)
    address_line = models.CharField(_("町名・番地・建物名"), max_length=200, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)

    tie_other = models.CharField(_("その他のつながり"), max_length=200, blank=True)
    topics = models.ManyToManyField(
        Tag, blank=True, related_name="members_interested", verbose_name=_("関心のあるテーマ")
    )
    skills = models.ManyToManyField(
        Tag, blank=True, related_name="members_skilled", verbose_name=_("スキル・経験")
    )
    skills_text = models.TextField(_("スキル・経験の詳細"), max_length=2000, blank=True)
    availability = models.CharField(
        _("協力しやすい日"), max_length=10, choices=Availability.choices, blank=True
    )
    online_ok = models.BooleanField(_("オンラインでの協力もできる"), default=False)
    channel = models.CharField(
        _("登録のきっかけ"), max_length=20, choices=Channel.choices, blank=True
    )
    designated_carrier = models.BooleanField(
        _("担い手に指定"), default=False,
        help_text=_("職員が地域の担い手として認めた会員。ファネルの最上段に数えます。"),
    )  # fmt: skip
    referral_code = models.CharField(max_length=12, unique=True)
    referred_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    # Random and secret; signed into card QR tokens. Replacing it invalidates every token.
    card_key = models.CharField(max_length=32, unique=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    joined_at = models.DateTimeField(_("入会日"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("退会日"), null=True, blank=True)

    class Meta:
        verbose_name = _("会員")
        verbose_name_plural = _("会員")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="member_unique_user"),
            models.UniqueConstraint(fields=["community", "number"], name="member_unique_number"),
        ]
        indexes = [
            models.Index(fields=["community", "-created_at", "-id"]),
            models.Index(fields=["community", "prefecture_code"]),
            models.Index(fields=["community", "search_kana"]),
            # The donation import's candidate query (donations.matching.Pool.load).
            models.Index(fields=["community", "search_name"]),
            models.Index(fields=["community", "postal_code"]),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    @property
    def display_name(self) -> str:
        return self.nickname or self.given_name or str(self)


class MemberTie(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="ties")
    tie = models.CharField(max_length=20, choices=Tie.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "tie"], name="membertie_unique")]
        indexes = [models.Index(fields=["tie", "member"])]


class MemberUse(models.Model):
    """A use (of the six) the member is interested in contributing to."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="uses")
    use = models.CharField(max_length=20, choices=Use.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "use"], name="memberuse_unique")]
        indexes = [models.Index(fields=["use", "member"])]
