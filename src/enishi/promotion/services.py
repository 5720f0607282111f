"""Writes for promotion: referrals and their rewards, SNS post submissions and campaigns."""

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enishi.communities.models import Community
from enishi.ledger.models import Kind
from enishi.ledger.services import engagement_record
from enishi.members.models import Member

from .models import AmbassadorSetting, Campaign, Platform, PostSubmission, Referral


class PromotionError(Exception):
    pass


# --- referrals ------------------------------------------------------------------------------

LOOP_DEPTH = 20  # how far up the chain of referrers a loop is looked for


def address_hash(ip_address: str | None) -> str:
    """A keyed hash of an IP address: sign-ups from one connection can be counted without
    keeping the address."""
    if not ip_address:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"referral:{ip_address}".encode(), hashlib.sha256).hexdigest()


def mailbox_key(email: str) -> str:
    """The mailbox an address delivers to: case, "+tag" and (for Gmail) dots do not make a
    different person."""
    local, _sep, domain = (email or "").strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in {"gmail.com", "googlemail.com"}:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def _same_person(a: Member, b: Member) -> bool:
    if a.user_id is not None and a.user_id == b.user_id:
        return True
    if a.user is None or b.user is None:
        return False
    if mailbox_key(a.user.email) == mailbox_key(b.user.email):
        return True
    return bool(a.phone) and a.phone == b.phone


def _flag_for(*, referrer: Member, invited: Member, address: str) -> str:
    if _same_person(referrer, invited):
        return Referral.Flag.SELF
    # A loop: somebody up the referrer's chain of invitations is the invited person.
    seen, current = {referrer.pk}, referrer.referred_by
    for _step in range(LOOP_DEPTH):
        if current is None or current.pk in seen:
            break
        if _same_person(current, invited):
            return Referral.Flag.LOOP
        seen.add(current.pk)
        current = current.referred_by
    if address:
        since = timezone.now() - timedelta(hours=24)
        recent = Referral.objects.filter(
            community_id=referrer.community_id, address_hash=address, created_at__gte=since
        ).count()
        if recent >= settings.ENISHI_REFERRALS_PER_ADDRESS_PER_DAY:
            return Referral.Flag.MASS
    return ""


def referral_record(*, invited: Member, referrer: Member, ip_address: str | None) -> Referral:
    """Record that `invited` registered through `referrer`'s link or code, flagged when it
    looks like self-referral, a loop or mass sign-ups from one connection."""
    address = address_hash(ip_address)
    return Referral.objects.create(
        community_id=invited.community_id,
        referrer=referrer,
        invited=invited,
        flag=_flag_for(referrer=referrer, invited=invited, address=address),
        address_hash=address,
    )


REWARD_SOURCES = {
    "verified": ("referral_verified", gettext_lazy("紹介した方の登録")),
    "attended": ("referral_attended", gettext_lazy("紹介した方の初めての参加")),
}


def referral_reward(*, invited: Member, stage: str):
    """Give the referrer their `promotion` entry for a stage of the invited member
    ("verified" or "attended"); once per invited member and stage, never for a flagged
    referral or a referrer who has withdrawn."""
    referral = Referral.objects.select_related("referrer").filter(invited_id=invited.pk).first()
    if referral is None or referral.flag or referral.referrer.status != Member.Status.ACTIVE:
        return None
    source_type, note = REWARD_SOURCES[stage]
    return engagement_record(
        member=referral.referrer,
        kind=Kind.PROMOTION,
        source_type=source_type,
        source_id=invited.pk,
        note=str(note),
    )


def ambassador_visibility_set(*, member: Member, public: bool) -> AmbassadorSetting:
    setting, _created = AmbassadorSetting.objects.update_or_create(
        member=member, defaults={"public": public}
    )
    return setting


# --- SNS posts ------------------------------------------------------------------------------

PLATFORM_HOSTS = {
    "x.com": Platform.X,
    "twitter.com": Platform.X,
    "instagram.com": Platform.INSTAGRAM,
    "facebook.com": Platform.FACEBOOK,
    "fb.com": Platform.FACEBOOK,
    "youtube.com": Platform.YOUTUBE,
    "youtu.be": Platform.YOUTUBE,
    "note.com": Platform.NOTE,
}


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    for prefix in ("www.", "m.", "mobile."):
        host = host.removeprefix(prefix)
    return host


def platform_of(url: str) -> str:
    return PLATFORM_HOSTS.get(_host(url), Platform.BLOG)


def url_key(url: str) -> str:
    """The same post, however it was copied: no scheme, "www.", query, fragment or trailing
    slash (YouTube keeps its ?v=, which is the video)."""
    parts = urlsplit(url.strip())
    host = _host(url)
    path = parts.path.rstrip("/")
    query = ""
    if host == "youtube.com" and parts.query:
        video = [p for p in parts.query.split("&") if p.startswith("v=")]
        query = f"?{video[0]}" if video else ""
    return f"{host}{path}{query}"[:500]


@transaction.atomic
def post_submit(
    *, member: Member, url: str, text: str = "", hashtag: str = "", campaign: Campaign | None
) -> PostSubmission:
    """A member submits a link to their post. The same post (by `url_key`) counts once."""
    key = url_key(url)
    if PostSubmission.objects.filter(community_id=member.community_id, url_key=key).exists():
        raise PromotionError(_("この投稿はすでに送られています。"))
    post = PostSubmission(
        community_id=member.community_id,
        member=member,
        campaign=campaign,
        url=url,
        url_key=key,
        platform=platform_of(url),
        hashtag=hashtag or (campaign.hashtag if campaign else ""),
        text=text,
    )
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError:
        raise PromotionError(_("この投稿はすでに送られています。")) from None
    return post


@transaction.atomic
def post_review(*, post: PostSubmission, approve: bool, by, note: str = "") -> PostSubmission:
    """Staff approve (a `promotion` ledger entry for the member) or turn down a submission.
    A submission is reviewed once."""
    post = (
        PostSubmission.objects.select_for_update(of=("self",))
        .select_related("campaign", "member")
        .get(pk=post.pk)
    )
    if post.status != PostSubmission.Status.PENDING:
        raise PromotionError(_("この投稿はすでに確認済みです。"))
    post.status = PostSubmission.Status.APPROVED if approve else PostSubmission.Status.REJECTED
    post.review_note = note[:200]
    post.reviewed_by = by
    post.reviewed_at = timezone.now()
    post.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    if approve and post.member.status == Member.Status.ACTIVE:
        campaign = post.campaign
        engagement_record(
            member=post.member,
            kind=Kind.PROMOTION,
            source_type="post_submission",
            source_id=post.pk,
            points=campaign.points if campaign and campaign.points is not None else None,
            note=str(campaign.title if campaign else post.get_platform_display())[:200],
            created_by=by,
        )
    return post


def campaign_save(*, community: Community, campaign: Campaign) -> Campaign:
    campaign.community = community
    campaign.save()
    return campaign


def member_promotion_erase(*, member: Member) -> None:
    """Withdrawal: the member's own words and links go; counts (and the ledger) stay."""
    for post in member.posts.all():
        post.url, post.url_key, post.text, post.hashtag = "", f"erased:{post.pk}", "", ""
        post.save(update_fields=["url", "url_key", "text", "hashtag"])
    Referral.objects.filter(invited=member).update(address_hash="")
    AmbassadorSetting.objects.filter(member=member).delete()
