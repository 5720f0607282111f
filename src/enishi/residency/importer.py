"""The registrations import: schema version 1 of docs/registrations-schema.md, for a
municipality moving in from another system (a kintone or Excel roster, or enishi's own export).

Imported people are members: they were members of the previous system. A new member number
makes a login (no password: they claim it with 「パスワードをお忘れの方」) and an active member
with that number; a known number has its roster fields updated. Reading, mapping, batching
and resuming are `enishi.core.imports`.
"""

import re
from datetime import datetime, time

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enishi.core.imports import (
    BatchResult,
    Field,
    Importer,
    Row,
    RowError,
    latest_rows,
    parse_date,
)
from enishi.core.japan import PREFECTURE_NAMES
from enishi.core.models import ImportRecord, User
from enishi.core.text import to_ascii_digits
from enishi.donations.importer import _email, _kana, _name, _postal, _text
from enishi.members.models import Member
from enishi.members.services import ROSTER_FIELDS, member_import, member_roster_apply
from enishi.privacy.models import Consent

from .exports import SCHEMA_VERSION

KIND = "registrations"

TRUE = {"true", "yes", "y", "1", "はい", "同意する", "同意", "する", "○", "〇", "◯"}
FALSE = {"false", "no", "n", "0", "いいえ", "同意しない", "しない", "×", "不同意"}
PREFECTURE_CODES = {name: code for code, name in PREFECTURE_NAMES.items()}


def _unquoted(value: str) -> str:
    """A cell the CSV export guarded against Excel formulas ('=…) reads as it was."""
    return value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@") else value


def _schema_version(value: str) -> str:
    if _text(value) != SCHEMA_VERSION:
        raise RowError(_("この版の形式は読めません（%(value)s）。読める版は %(version)s です")
                       % {"value": value, "version": SCHEMA_VERSION})  # fmt: skip
    return SCHEMA_VERSION


def _member_number(value: str) -> str:
    number = to_ascii_digits(_text(value))
    if len(number) > 20:
        raise RowError(_("会員番号は20文字までです（%(value)s）") % {"value": value})
    return number


def _short_name(value: str) -> str:
    name = _name(_unquoted(value))
    if len(name) > 50:
        raise RowError(_("50文字までです（%(value)s）") % {"value": value})
    return name


def _short_kana(value: str) -> str:
    kana = _kana(_unquoted(value))
    if len(kana) > 50:
        raise RowError(_("50文字までです（%(value)s）") % {"value": value})
    return kana


def _number_between(low: int, high: int):
    def parse(value: str) -> int:
        text = to_ascii_digits(_text(value))
        if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
            raise RowError(_("%(low)d から %(high)d までの数字です（%(value)s）")
                           % {"low": low, "high": high, "value": value})  # fmt: skip
        return int(text)

    return parse


def _prefecture(value: str) -> str:
    text = to_ascii_digits(_text(value))
    if re.fullmatch(r"\d{1,2}", text) and f"{int(text):02d}" in PREFECTURE_NAMES:
        return f"{int(text):02d}"
    if text in PREFECTURE_CODES:  # the name, 三重県
        return PREFECTURE_CODES[text]
    raise RowError(_("都道府県コード（01〜47）として読めません（%(value)s）") % {"value": value})


def _answer(value: str) -> bool:
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise RowError(_("true か false で書いてください（%(value)s）") % {"value": value})


def _moment(value: str) -> datetime:
    """ISO 8601 (the export's form) or a date alone (midnight, Japan time)."""
    try:
        moment = datetime.fromisoformat(_text(value))
    except ValueError:
        moment = datetime.combine(parse_date(value), time())
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _limited(length: int):
    return lambda v: _text(_unquoted(v))[:length]


FIELDS = [
    Field("schema_version", gettext_lazy("形式の版"), parse=_schema_version,
          aliases=("schema_version",)),
    Field("member_number", gettext_lazy("会員番号"), required=True, parse=_member_number,
          aliases=("member_number", "会員ID", "会員No", "番号")),
    Field("family_name", gettext_lazy("姓"), required=True, parse=_short_name,
          aliases=("family_name", "氏")),
    Field("given_name", gettext_lazy("名"), required=True, parse=_short_name,
          aliases=("given_name",)),
    Field("family_name_kana", gettext_lazy("セイ"), parse=_short_kana,
          aliases=("family_name_kana", "姓（カナ）", "姓カナ", "せい")),
    Field("given_name_kana", gettext_lazy("メイ"), parse=_short_kana,
          aliases=("given_name_kana", "名（カナ）", "名カナ", "めい")),
    Field("email", gettext_lazy("メールアドレス"), required=True, parse=_email,
          aliases=("email", "メール", "Eメール", "E-mail")),
    Field("birth_year", gettext_lazy("生まれ年"), parse=_number_between(1900, 2100),
          aliases=("birth_year", "生年")),
    Field("birth_month", gettext_lazy("生まれ月"), parse=_number_between(1, 12),
          aliases=("birth_month", "生月")),
    Field("postal_code", gettext_lazy("郵便番号"), parse=_postal, aliases=("postal_code", "〒")),
    Field("prefecture_code", gettext_lazy("都道府県コード"), parse=_prefecture,
          aliases=("prefecture_code", "都道府県")),
    Field("city", gettext_lazy("市区町村"), parse=_limited(50), aliases=("city",)),
    Field("address_line", gettext_lazy("町名・番地・建物名"), parse=_limited(200),
          aliases=("address_line", "番地", "住所")),
    Field("joined_on", gettext_lazy("入会日"), parse=parse_date,
          aliases=("joined_on", "登録日", "入会年月日")),
    Field("share_consent", gettext_lazy("情報の提供への同意"), parse=_answer,
          aliases=("share_consent",)),
    Field("share_consent_version", gettext_lazy("同意したプライバシーポリシーの版"),
          parse=_limited(20), aliases=("share_consent_version",)),
    Field("share_consent_at", gettext_lazy("同意した日時"), parse=_moment,
          aliases=("share_consent_at",)),
]  # fmt: skip

# In the schema, but what enishi computes itself: a file may carry them (an export imports as
# it is); they are not read.
COMPUTED = ("municipality_code", "registration_type", "fiscal_year", "designated_activities",
            "identity_level", "other_municipalities", "premium_valid_until")  # fmt: skip


def _roster(values: dict, mapped) -> dict:
    """The member fields a row sets: those whose column is mapped (a file without a column
    leaves that field as it is); an empty cell empties it."""
    roster = {}
    for name in ROSTER_FIELDS:
        if name in mapped:
            value = values[name]
            roster[name] = None if value == "" and name.startswith("birth_") else value
    return roster


class RegistrationImporter(Importer):
    kind = KIND
    fields = FIELDS
    batch_size = 200  # each new member is a login, a member, a ledger entry: smaller batches

    def __init__(self):
        self.today = timezone.localdate()
        self.emails: dict[str, tuple[str, int]] = {}  # this pass: email → (number, line)

    def begin(self, record: ImportRecord) -> None:
        self.emails = {}

    def check(self, values: dict) -> None:
        if values["joined_on"] and values["joined_on"] > self.today:
            raise RowError(_("入会日が未来の日付です（%(day)s）") % {"day": values["joined_on"]})

    def identity(self, values: dict) -> str:
        return f"m:{values['member_number']}"

    def refuse(self, record: ImportRecord, batch: list[Row]) -> dict[int, str]:
        emails = {row.values["email"] for row in batch}
        numbers = {row.values["member_number"] for row in batch}
        members = Member.objects.filter(community=record.community)
        owners = self._owners(members, emails)
        known = {m.number: m for m in members.filter(number__in=numbers).select_related("user")}
        closed = set(
            User.objects.annotate(address=Lower("email"))
            .filter(address__in=emails, is_active=False)
            .values_list("address", flat=True)
        )
        refused = {}
        for row in batch:
            number, email = row.values["member_number"], row.values["email"]
            member = known.get(number)
            earlier = self.emails.get(email)
            if earlier is not None and earlier[0] != number:
                refused[row.line] = _(
                    "メールアドレス %(email)s は %(line)d 行目（会員番号 %(number)s）にもあります"
                ) % {"email": email, "line": earlier[1], "number": earlier[0]}
            elif email in owners and owners[email] != number:
                refused[row.line] = _(
                    "メールアドレス %(email)s は別の会員（%(number)s）が使っています"
                ) % {"email": email, "number": owners[email] or _("確認待ち")}
            elif member is not None and member.status == Member.Status.WITHDRAWN:
                refused[row.line] = _("会員番号 %(number)s の会員は退会しています") % {
                    "number": number
                }
            elif member is not None and (member.user is None
                                         or member.user.email.lower() != email):  # fmt: skip
                refused[row.line] = _(
                    "会員番号 %(number)s のメールアドレスが登録と違います（ログインに使うため、"
                    "変更は会員本人が行います）"
                ) % {"number": number}
            elif member is None and email in closed:
                refused[row.line] = _("メールアドレス %(email)s のログインは閉じられています") % {
                    "email": email
                }
            else:
                self.emails[email] = (number, row.line)
        return refused

    @staticmethod
    def _logins(emails) -> dict[str, User]:
        """Active logins by (lower-cased) address: their e-mail or any allauth address."""
        found = {}
        addresses = (
            EmailAddress.objects.annotate(address=Lower("email"))
            .filter(address__in=emails, user__is_active=True)
            .select_related("user")
        )
        for address in addresses:
            found.setdefault(address.address, address.user)
        users = User.objects.annotate(address=Lower("email")).filter(
            address__in=emails, is_active=True
        )
        for user in users:
            found.setdefault(user.address, user)
        return found

    def _owners(self, members, emails) -> dict[str, str | None]:
        """Which member of the community (its number) each address's login belongs to."""
        logins = self._logins(emails)
        numbers = dict(
            members.filter(user__in=[u.pk for u in logins.values()]).values_list("user", "number")
        )
        return {email: numbers[u.pk] for email, u in logins.items() if u.pk in numbers}

    def apply_batch(self, record: ImportRecord, batch: list[Row]) -> BatchResult:
        result = BatchResult()
        rows = list(latest_rows(batch, result).values())
        known = {
            m.number: m
            for m in Member.objects.filter(
                community=record.community, number__in=[r.values["member_number"] for r in rows]
            )
        }
        mapped = set(record.mapping)
        for row in rows:
            member = known.get(row.values["member_number"])
            if member is None:
                member = self._create(record, row, mapped)
                self._share_consent(member, row)
                result.created += 1
                continue
            changed = self._update(member, row, mapped)
            if self._share_consent(member, row) or changed:
                result.updated += 1
            else:
                result.duplicates += 1
        return result

    def _create(self, record: ImportRecord, row: Row, mapped) -> Member:
        values = row.values
        email = values["email"]
        user = self._logins([email]).get(email)
        if user is None:
            username = get_adapter().generate_unique_username([email, "member"])
            user = User.objects.create_user(username=username, email=email, password=None)
            EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
        joined_at = None
        if values["joined_on"]:
            joined_at = timezone.make_aware(datetime.combine(values["joined_on"], time()))
        return member_import(community=record.community, user=user,
                             number=values["member_number"], roster=_roster(values, mapped),
                             joined_at=joined_at)  # fmt: skip

    def _update(self, member: Member, row: Row, mapped) -> bool:
        roster = _roster(row.values, mapped)
        if all(getattr(member, name) == value for name, value in roster.items()):
            return False
        member_roster_apply(member, roster)
        member.save()
        return True

    def _share_consent(self, member: Member, row: Row) -> bool:
        """The file's answer about sharing, when it has one and it is news."""
        values = row.values
        if values["share_consent"] == "":
            return False
        latest = member.consents.filter(purpose=Consent.Purpose.REGISTRY_SHARE).first()
        if latest is not None and latest.granted == values["share_consent"]:
            return False
        consent = Consent.objects.create(
            member=member, purpose=Consent.Purpose.REGISTRY_SHARE,
            granted=values["share_consent"], version=values["share_consent_version"],
            source="import",
        )  # fmt: skip
        if values["share_consent_at"]:
            Consent.objects.filter(pk=consent.pk).update(recorded_at=values["share_consent_at"])
        return True
