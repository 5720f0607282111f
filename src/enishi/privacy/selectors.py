from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from enishi.core.text import to_half_width_ascii
from enishi.ledger.selectors import member_standing
from enishi.members.models import Member

from .models import GENESIS_HASH, AuditChainHead, AuditEvent, Consent, PolicyVersion

# What 「データをダウンロード」 contains, with the label the CSV shows for each item.
PERSONAL_DATA_LABELS = {
    "community": _("コミュニティ"),
    "member_number": _("会員番号"),
    "status": _("状態"),
    "email": _("メールアドレス"),
    "family_name": _("姓"),
    "given_name": _("名"),
    "family_name_kana": _("セイ"),
    "given_name_kana": _("メイ"),
    "nickname": _("ニックネーム"),
    "birth_year": _("生まれ年"),
    "birth_month": _("生まれ月"),
    "gender": _("性別"),
    "postal_code": _("郵便番号"),
    "prefecture": _("都道府県"),
    "municipality_code": _("市区町村コード"),
    "city": _("市区町村"),
    "address_line": _("町名・番地・建物名"),
    "phone": _("電話番号"),
    "ties": _("伊賀とのつながり"),
    "tie_other": _("「その他」の内容"),
    "uses": _("関わりたいこと"),
    "topics": _("関心のあるテーマ"),
    "skills": _("スキル・経験"),
    "skills_text": _("スキル・経験の詳細"),
    "availability": _("協力しやすい日"),
    "online_ok": _("オンラインでの協力もできる"),
    "channel": _("登録のきっかけ"),
    "referral_code": _("あなたの紹介コード"),
    "referred_by": _("紹介者の会員番号"),
    "points": _("ポイント"),
    "rank": _("ランク"),
    "joined_at": _("入会日時"),
    "registered_at": _("登録日時"),
    "consents": _("同意の記録"),
    "applications": _("活動への応募"),
    "engagements": _("活動・ポイントの記録"),
    "redemptions": _("協力店での特典の利用"),
    "visits": _("スポットへの来訪"),
    "mail": _("お送りしたメール"),
    "sns_posts": _("送ったSNSの投稿"),
    "donations": _("ふるさと納税の寄附"),
    "other_premium_municipalities": _("ほかにプレミアム登録している自治体の数（申告）"),
    "identity_checks": _("本人確認の記録"),
    "api_tokens": _("APIトークン"),
    "interests": _("「興味あり」を付けた活動"),
    "invitations": _("職員からの活動への招待"),
}


def _local(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def member_personal_data(*, member: Member) -> dict:
    """Everything enishi holds about a member, for 「データをダウンロード」 (in Japan time)."""
    member = (
        Member.objects.select_related("community", "user", "referred_by")
        .prefetch_related("ties", "uses", "topics", "skills", "consents")
        .get(pk=member.pk)
    )
    standing = member_standing(member=member)
    return {
        "community": member.community.name,
        "member_number": member.number,
        "status": member.get_status_display(),
        "email": member.user.email if member.user else "",
        "family_name": member.family_name,
        "given_name": member.given_name,
        "family_name_kana": member.family_name_kana,
        "given_name_kana": member.given_name_kana,
        "nickname": member.nickname,
        "birth_year": member.birth_year,
        "birth_month": member.birth_month,
        "gender": member.get_gender_display(),
        "postal_code": member.postal_code,
        "prefecture": member.get_prefecture_code_display(),
        "municipality_code": member.municipality_code,
        "city": member.city,
        "address_line": member.address_line,
        "phone": member.phone,
        "ties": [t.get_tie_display() for t in member.ties.all()],
        "tie_other": member.tie_other,
        "uses": [u.get_use_display() for u in member.uses.all()],
        "topics": [t.name for t in member.topics.all()],
        "skills": [t.name for t in member.skills.all()],
        "skills_text": member.skills_text,
        "availability": member.get_availability_display(),
        "online_ok": member.online_ok,
        "channel": member.get_channel_display(),
        "referral_code": member.referral_code,
        "referred_by": member.referred_by.number if member.referred_by else "",
        "points": standing.points,
        "rank": standing.rank.name if standing.rank else "",
        "joined_at": _local(member.joined_at),
        "registered_at": _local(member.created_at),
        "consents": [
            {
                "purpose": c.get_purpose_display(),
                "granted": c.granted,
                "version": c.version,
                "recorded_at": _local(c.recorded_at),
            }
            for c in member.consents.all()
        ],
        "applications": [
            {
                "activity": a.session.activity.title,
                "session": str(a.session.label),
                "status": a.get_status_display(),
                "applied_at": _local(a.created_at),
                "answers": [
                    {"question": x.get("question"), "answer": x.get("answer")} for x in a.answers
                ],  # fmt: skip
            }
            for a in member.applications.select_related("session__activity").order_by("pk")
        ],
        "engagements": [
            {
                "occurred_at": _local(e.occurred_at),
                "kind": e.get_kind_display(),
                "points": e.points,
                "note": e.note,
            }
            for e in member.engagements.order_by("occurred_at", "pk")
        ],
        "redemptions": [
            {"redeemed_at": _local(r.redeemed_at), "shop": r.shop.name, "benefit": r.benefit.title}
            for r in member.redemptions.select_related("shop", "benefit").order_by("redeemed_at")
        ],
        "visits": [
            {"visited_at": _local(v.visited_at), "spot": v.spot.name}
            for v in member.visits.select_related("spot").order_by("visited_at")
        ],
        "mail": [
            {
                "subject": d.mailing.subject,
                "status": d.get_status_display(),
                "sent_at": _local(d.sent_at) if d.sent_at else "",
                "address": d.email,
            }
            for d in member.deliveries.select_related("mailing").order_by("pk")
        ],
        "sns_posts": [
            {
                "submitted_at": _local(p.created_at),
                "url": p.url,
                "hashtag": p.hashtag,
                "text": p.text,
                "status": p.get_status_display(),
            }
            for p in member.posts.order_by("pk")
        ],
        "donations": [
            {"donated_on": d.donated_on.isoformat(), "amount": d.amount, "portal": d.portal,
             "receipt_number": d.receipt_number, "gift": d.gift}
            for d in member.donations.order_by("donated_on", "pk")
        ],  # fmt: skip
        "other_premium_municipalities": (
            declaration.other_municipalities
            if (declaration := getattr(member, "residency_declaration", None))
            else None
        ),
        "identity_checks": [
            {"checked_at": _local(c.checked_at), "level": c.get_level_display(),
             "method": c.method}
            for c in member.identity_checks.order_by("checked_at", "pk")
        ],  # fmt: skip
        "api_tokens": [
            {"name": t.name, "prefix": t.prefix, "issued_at": _local(t.created_at),
             "revoked_at": _local(t.revoked_at)}
            for t in member.api_tokens.order_by("pk")
        ],  # fmt: skip
        "interests": [
            {"activity": i.activity.title, "marked_at": _local(i.created_at)}
            for i in member.interests.select_related("activity").order_by("pk")
        ],
        "invitations": [
            {"activity": i.activity.title, "invited_at": _local(i.created_at)}
            for i in member.invitations.select_related("activity").order_by("pk")
        ],
    }


def member_personal_rows(*, member: Member) -> list[list]:
    """The same data as label/value rows for the CSV a person opens in Excel."""
    sep = pgettext("list separator", "、")
    rows = [[_("項目"), _("内容")]]
    for key, value in member_personal_data(member=member).items():
        if key == "consents":
            for c in value:
                answer = _("同意") if c["granted"] else _("不同意")
                text = f"{c['purpose']}: {answer} ({c['version']}) {c['recorded_at']}"
                rows.append([PERSONAL_DATA_LABELS[key], text])
            continue
        if key == "applications":
            for a in value:
                text = f"{a['activity']} ({a['session']}): {a['status']} {a['applied_at']}"
                rows.append([PERSONAL_DATA_LABELS[key], text])
            continue
        if value and isinstance(value, list) and isinstance(value[0], dict):
            for entry in value:
                text = " ".join(str(v) for v in entry.values() if v not in ("", None))
                rows.append([PERSONAL_DATA_LABELS[key], text])
            continue
        if isinstance(value, list):
            value = sep.join(value)
        rows.append([PERSONAL_DATA_LABELS[key], value])
    return rows


def current_consent(*, member: Member, purpose: str) -> bool:
    latest = member.consents.filter(purpose=purpose).order_by("-recorded_at", "-pk").first()
    return bool(latest and latest.granted)


def newsletter_opted_in(*, member: Member) -> bool:
    return current_consent(member=member, purpose=Consent.Purpose.NEWSLETTER_EMAIL)


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    problem: str  # "edited", "missing" (a gap before this row), "relinked", "tail_missing"


def audit_chain_problems() -> tuple[int, list[ChainProblem]]:
    """Walk the audit log in order and recompute every hash. Returns how many rows were checked
    and what is wrong: a row whose content no longer matches its hash (edited), a gap in the
    numbering (deleted), a row not chained to the one before it, or newest rows missing."""
    problems: list[ChainProblem] = []
    previous_hash, expected = GENESIS_HASH, 1
    checked = 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        checked += 1
        if event.sequence != expected:
            problems.append(ChainProblem(event.sequence, "missing"))
        elif event.previous_hash != previous_hash:
            problems.append(ChainProblem(event.sequence, "relinked"))
        if event.compute_hash() != event.hash:
            problems.append(ChainProblem(event.sequence, "edited"))
        previous_hash, expected = event.hash, event.sequence + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence, head.hash) != (expected - 1, previous_hash):
        problems.append(ChainProblem(head.sequence, "tail_missing"))
    return checked, problems


def audit_events(*, community, filters: dict):
    """The community's audit log, newest first, narrowed by the staff page's filters."""
    events = AuditEvent.objects.filter(community=community).select_related("actor", "member")
    if action := filters.get("action"):
        events = events.filter(action=action)
    if actor := filters.get("actor"):
        events = events.filter(actor__email__icontains=actor)
    if number := to_half_width_ascii(filters.get("member") or "").strip():
        events = events.filter(member__number__iexact=number)
    if since := filters.get("since"):
        events = events.filter(created_at__date__gte=since)
    if until := filters.get("until"):
        events = events.filter(created_at__date__lte=until)
    return events.order_by("-sequence")


def policies_needing_consent(*, member: Member) -> list[PolicyVersion]:
    """The community's current policy versions that ask for consent and that the member has not
    agreed to (they agreed to an older version, or never)."""
    community = member.community
    current = {
        PolicyVersion.Document.TERMS: community.terms_version,
        PolicyVersion.Document.PRIVACY_POLICY: community.privacy_policy_version,
    }
    is_current = Q()
    for document, version in current.items():
        is_current |= Q(document=document, version=version)
    needing = community.policy_versions.filter(is_current, requires_consent=True)
    agreed = {
        (c.purpose, c.version)
        for c in member.consents.filter(purpose__in=list(current), granted=True)
    }
    return [p for p in needing if (p.document, p.version) not in agreed]
