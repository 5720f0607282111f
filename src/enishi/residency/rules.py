"""Evaluate a member against a community's Premium rule set. Pure: the facts come in, the
status comes out, so the rules can be checked against a table of cases."""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import IdentityLevel, RuleSet


@dataclass(frozen=True)
class Facts:
    designated_done: int
    identity_level: int
    other_municipalities: int
    municipality_code: str  # where the member lives ("" when unknown)
    community_code: str
    fiscal_year: int


@dataclass(frozen=True)
class PremiumStatus:
    facts: Facts
    required: int
    identity_required: int
    max_municipalities: int
    activities_ok: bool
    identity_ok: bool
    municipalities_ok: bool
    residence: str  # "ok", "resident" (lives here) or "unknown"
    valid_until: date | None
    renewal_date: date | None
    missing: list[str] = field(default_factory=list)

    @property
    def qualifies(self) -> bool:
        return not self.missing

    @property
    def activities_short(self) -> int:
        return max(0, self.required - self.facts.designated_done)

    @property
    def one_activity_short(self) -> bool:
        """Everything but one designated activity is there."""
        others = self.identity_ok and self.municipalities_ok and self.residence == "ok"
        return others and self.activities_short == 1

    @property
    def identity_label(self) -> str:
        return IdentityLevel(self.facts.identity_level).label

    @property
    def status_label(self) -> str:
        return _("プレミアム") if self.qualifies else _("ベーシック")


def evaluate(rules: RuleSet, facts: Facts) -> PremiumStatus:
    """The member's Premium status under `rules` in `facts.fiscal_year`, with what is missing."""
    missing = []
    activities_ok = facts.designated_done >= rules.required_activities
    if not activities_ok:
        short = rules.required_activities - facts.designated_done
        missing.append(
            ngettext(
                "指定された担い手活動への参加があと %(n)d 回必要です。",
                "指定された担い手活動への参加があと %(n)d 回必要です。",
                short,
            )
            % {"n": short}
        )
    identity_ok = facts.identity_level >= rules.min_identity_level
    if not identity_ok:
        missing.append(
            _("本人確認（%(level)s 以上）が必要です。")
            % {"level": IdentityLevel(rules.min_identity_level).label}
        )
    municipalities_ok = facts.other_municipalities + 1 <= rules.max_municipalities
    if not municipalities_ok:
        missing.append(
            _("プレミアム登録は %(max)d 自治体までです（ほかに %(n)d 自治体と申告されています）。")
            % {"max": rules.max_municipalities, "n": facts.other_municipalities}
        )
    if not rules.excludes_residents:
        residence = "ok"
    elif not facts.municipality_code:
        residence = "unknown"
        missing.append(_("お住まいの市区町村がわかりません。郵便番号を登録してください。"))
    elif facts.municipality_code == facts.community_code:
        residence = "resident"
        missing.append(_("お住まいの自治体にはプレミアム登録できません。"))
    else:
        residence = "ok"
    renewal = date(facts.fiscal_year + 1, 4, 1) if rules.yearly_renewal else None
    valid_until = None
    if not missing and renewal is not None:
        valid_until = date(facts.fiscal_year + 1, 3, 31)
    return PremiumStatus(
        facts=facts,
        required=rules.required_activities,
        identity_required=rules.min_identity_level,
        max_municipalities=rules.max_municipalities,
        activities_ok=activities_ok,
        identity_ok=identity_ok,
        municipalities_ok=municipalities_ok,
        residence=residence,
        valid_until=valid_until,
        renewal_date=renewal,
        missing=missing,
    )
