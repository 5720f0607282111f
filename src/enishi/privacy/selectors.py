from enishi.members.models import Member
from enishi.members.selectors import member_standing

from .models import Consent


def member_personal_data(*, member: Member) -> dict:
    """Everything enishi holds about a member, for 「データをダウンロード」."""
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
        "channel": member.get_channel_display(),
        "referral_code": member.referral_code,
        "referred_by": member.referred_by.number if member.referred_by else "",
        "points": standing.points,
        "rank": standing.rank.name if standing.rank else "",
        "joined_at": member.joined_at.isoformat() if member.joined_at else None,
        "registered_at": member.created_at.isoformat(),
        "consents": [
            {
                "purpose": c.get_purpose_display(),
                "granted": c.granted,
                "version": c.version,
                "recorded_at": c.recorded_at.isoformat(),
            }
            for c in member.consents.all()
        ],
    }


def current_consent(*, member: Member, purpose: str) -> bool:
    latest = member.consents.filter(purpose=purpose).order_by("-recorded_at", "-pk").first()
    return bool(latest and latest.granted)


def newsletter_opted_in(*, member: Member) -> bool:
    return current_consent(member=member, purpose=Consent.Purpose.NEWSLETTER_EMAIL)
