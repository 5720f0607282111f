"""The donation import: the fields a portal export may carry, their normalisation, a row's
identity, and what a batch of good rows does (new, updated, duplicate; then matching).
Reading, mapping, batching and resuming are `enishi.core.imports`."""

import re
import unicodedata

import jaconv
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
    parse_yen,
)
from enishi.core.models import ImportRecord
from enishi.core.text import HYPHENS, normalize_postal_code, to_ascii_digits

from .models import Answer, Donation

KIND = "donations"

YES = {"はい", "希望する", "希望", "する", "要", "yes", "y", "1", "true", "○", "〇", "◯", "可"}
NO = {"いいえ", "希望しない", "しない", "不要", "否", "no", "n", "0", "false", "×", "x", "不可"}


def _text(value: str) -> str:
    if value.isascii():
        return " ".join(value.split())
    return " ".join(unicodedata.normalize("NFKC", value).split())


def _name(value: str) -> str:
    # NFKC would turn 髙 into nothing else, but folds full-width spaces and letters.
    return re.sub(r"[\s\u3000]+", " ", value).strip()[:100]


def _kana(value: str) -> str:
    """Half-width kana and hiragana become full-width katakana; spaces stay one space."""
    value = jaconv.hira2kata(jaconv.h2z(value, kana=True, ascii=False, digit=False))
    return re.sub(r"[\s\u3000]+", " ", value).strip()[:100]


def _postal(value: str) -> str:
    code = normalize_postal_code(value)
    if code is None:
        raise RowError(_("郵便番号は7桁の数字です（%(value)s）") % {"value": value})
    return code


def _phone(value: str) -> str:
    digits = re.sub(f"[{HYPHENS}()（）\\s]", "", to_ascii_digits(_text(value)))
    if not re.fullmatch(r"\+?\d{9,15}", digits):
        raise RowError(_("電話番号として読めません（%(value)s）") % {"value": value})
    return digits


def _email(value: str) -> str:
    value = _text(value).lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise RowError(_("メールアドレスとして読めません（%(value)s）") % {"value": value})
    return value[:254]


def _answer(value: str) -> str:
    text = _text(value).lower()
    if text in YES:
        return Answer.YES
    if text in NO:
        return Answer.NO
    raise RowError(_("「希望する」「希望しない」のどちらかで書いてください（%(value)s）")
                   % {"value": value})  # fmt: skip


def _amount(value: str) -> int:
    amount = parse_yen(value)
    if amount == 0:
        raise RowError(_("金額が0円です"))
    if amount > 2_000_000_000:
        raise RowError(_("金額が大きすぎます（%(value)s）") % {"value": value})
    return amount


FIELDS = [
    Field("receipt_number", gettext_lazy("受付番号"), parse=lambda v: _text(v)[:100],
          aliases=("注文番号", "申込番号", "寄附番号", "受付No", "受付NO.", "管理番号")),
    Field("donated_on", gettext_lazy("寄附日"), required=True, parse=parse_date,
          aliases=("寄附年月日", "入金日", "申込日", "決済日", "寄付日")),
    Field("amount", gettext_lazy("寄附金額"), required=True, parse=_amount,
          aliases=("金額", "寄附額", "寄付金額", "入金額")),
    Field("name", gettext_lazy("氏名"), required=True, parse=_name,
          aliases=("寄附者氏名", "お名前", "名前", "寄付者氏名")),
    Field("name_kana", gettext_lazy("フリガナ"), parse=_kana,
          aliases=("氏名カナ", "ふりがな", "氏名(カナ)", "寄附者氏名カナ", "カナ")),
    Field("postal_code", gettext_lazy("郵便番号"), parse=_postal, aliases=("〒",)),
    Field("address", gettext_lazy("住所"), parse=lambda v: _text(v)[:300],
          aliases=("寄附者住所", "ご住所", "住所1")),
    Field("phone", gettext_lazy("電話番号"), parse=_phone, aliases=("電話", "TEL")),
    Field("email", gettext_lazy("メールアドレス"), parse=_email,
          aliases=("メール", "Eメール", "E-mail", "email")),
    Field("gift", gettext_lazy("返礼品"), parse=lambda v: _text(v)[:200],
          aliases=("返礼品名", "お礼の品")),
    Field("portal", gettext_lazy("ポータル"), parse=lambda v: _text(v)[:50],
          aliases=("ポータルサイト", "申込サイト", "サイト")),
    Field("info_consent", gettext_lazy("自治体からのお知らせ"), parse=_answer,
          aliases=("自治体からのお知らせを希望", "お知らせの希望", "情報提供の希望",
                   "メールマガジン希望")),
]  # fmt: skip

# The generic layout shipped with enishi: its headers are the field labels themselves.
GENERIC_HEADERS = [str(f.label) for f in FIELDS]

DONATION_FIELDS = ("portal", "receipt_number", "donated_on", "amount", "gift", "name",
                   "name_kana", "postal_code", "address", "email", "phone")  # fmt: skip


class DonationImporter(Importer):
    kind = KIND
    fields = FIELDS
    batch_size = 1000

    def __init__(self):
        self.today = timezone.localdate()  # a file is read within a day; asked once

    def check(self, values: dict) -> None:
        if values["donated_on"] > self.today:
            raise RowError(_("寄附日が未来の日付です（%(day)s）") % {"day": values["donated_on"]})

    def identity(self, values: dict) -> str:
        if not values["receipt_number"]:
            return ""
        portal = _text(values["portal"]).lower()
        return f"r:{portal}:{values['receipt_number']}"[:200]

    def apply_batch(self, record: ImportRecord, batch: list[Row]) -> BatchResult:
        from .services import donations_match

        result = BatchResult()
        latest = latest_rows(batch, result)
        existing = {
            d.identity: d
            for d in Donation.objects.filter(
                community=record.community, identity__in=list(latest)
            ).only("pk", "identity", "content_hash")
        }
        new, changed = [], []
        for identity, row in latest.items():
            donation = existing.get(identity)
            if donation is None:
                new.append(self._donation(record, row))
            elif donation.content_hash == row.content_hash:
                result.duplicates += 1
            else:
                self._fill(donation, row)
                changed.append(donation)
        if changed:
            Donation.objects.bulk_update(
                changed, [*DONATION_FIELDS, "info_consent", "content_hash", "updated_at"]
            )
            result.updated += len(changed)
        if new:
            donations_match(community=record.community, donations=new)  # saves them
            result.created += len(new)
        return result

    def _fill(self, donation: Donation, row: Row) -> None:
        values = row.values
        for name in DONATION_FIELDS:
            setattr(donation, name, values[name])
        donation.info_consent = values["info_consent"] or Answer.UNKNOWN
        donation.content_hash = row.content_hash
        donation.updated_at = timezone.now()

    def _donation(self, record: ImportRecord, row: Row) -> Donation:
        donation = Donation(community=record.community, identity=row.identity,
                            import_record=record)  # fmt: skip
        self._fill(donation, row)
        return donation
