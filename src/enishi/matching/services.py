"""Writes of the matching app: the search profiles kept in step with members and activities,
興味あり marks and personal invitations."""

from django.db import transaction
from django.utils import timezone

from enishi.activities.models import Activity
from enishi.communities.models import Community
from enishi.core.text import search_normalize
from enishi.mailings.models import Mailing, MailTopic
from enishi.mailings.selectors import reachable_members
from enishi.mailings.services import mailing_queue
from enishi.members.models import Member

from . import semantic
from .models import ActivityProfile, Interest, Invitation, MemberProfile

MAX_DOCUMENT_CHARS = 4000


class MatchingError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def member_document(member: Member) -> str:
    """What the exact matcher searches: skill tags, topic tags, the experience text and the
    member's own words about their tie, normalised and cut to a sensible length."""
    parts = [
        " ".join(t.name for t in member.skills.all()),
        " ".join(t.name for t in member.topics.all()),
        member.skills_text,
        member.tie_other,
    ]
    return search_normalize("\n".join(p for p in parts if p))[:MAX_DOCUMENT_CHARS]


def activity_document(activity: Activity) -> str:
    parts = [
        activity.title,
        " ".join(t.name for t in activity.wanted_skills.all()),
        " ".join(t.name for t in activity.topics.all()),
        activity.body,
    ]
    return search_normalize("\n".join(p for p in parts if p))[:MAX_DOCUMENT_CHARS]


def _set_vector(profile, document: str) -> None:
    if not semantic.available() or not document:
        profile.vector, profile.vector_of = b"", ""
        return
    digest = semantic.text_hash(document)
    if profile.vector and profile.vector_of == digest:
        return
    profile.vector = semantic.embed_passages([document])[0]
    profile.vector_of = digest


@transaction.atomic
def member_profile_refresh(*, member_id: int) -> MemberProfile | None:
    """Rebuild one member's search profile (and embedding, when the extra is installed and the
    text changed). Members who are not active are not searchable: their profile goes."""
    member = Member.objects.filter(pk=member_id).prefetch_related("skills", "topics").first()
    if member is None or member.status != Member.Status.ACTIVE:
        MemberProfile.objects.filter(member_id=member_id).delete()
        return None
    profile = MemberProfile.objects.select_for_update().filter(member=member).first()
    profile = profile or MemberProfile(member=member, community_id=member.community_id)
    return _profile_save(profile, member_document(member))


@transaction.atomic
def activity_profile_refresh(*, activity_id: int) -> ActivityProfile | None:
    activity = (
        Activity.objects.filter(pk=activity_id).prefetch_related("wanted_skills", "topics").first()
    )
    if activity is None:
        return None
    profile = ActivityProfile.objects.select_for_update().filter(activity=activity).first()
    profile = profile or ActivityProfile(activity=activity)
    return _profile_save(profile, activity_document(activity))


def _profile_save(profile, document: str):
    """Save a member's or an activity's profile with this text, unless nothing changed (the
    text, and whether it has the vector the installed extra would give it)."""
    if profile.pk and profile.document == document and (
        bool(profile.vector) == (semantic.available() and bool(document))
    ):
        return profile
    profile.document = document
    _set_vector(profile, document)
    profile.updated_at = timezone.now()
    profile.save()
    return profile


def profiles_rebuild(*, community: Community, batch: int = 64, embed: bool = True) -> dict:
    """Every active member's and every activity's profile, in batches (embedding a batch at
    once is several times faster than one by one). For a first index, after bulk imports,
    or after installing the semantic extra. Returns what was written."""
    embed = embed and semantic.available()
    members = (
        Member.objects.filter(community=community, status=Member.Status.ACTIVE)
        .prefetch_related("skills", "topics")
        .order_by("pk")
    )
    MemberProfile.objects.filter(community=community).exclude(
        member__status=Member.Status.ACTIVE
    ).delete()
    written = {"members": 0, "activities": 0}
    page: list[Member] = []

    def flush():
        existing = {p.member_id: p for p in MemberProfile.objects.filter(
            member_id__in=[m.pk for m in page])}  # fmt: skip
        profiles, todo = [], []
        for member in page:
            document = member_document(member)
            profile = existing.get(member.pk) or MemberProfile(member=member, community=community)
            profile.document = document
            profile.updated_at = timezone.now()
            digest = semantic.text_hash(document) if embed and document else ""
            if not digest:
                profile.vector, profile.vector_of = b"", ""
            elif profile.vector_of != digest:
                todo.append((profile, digest))
            profiles.append(profile)
        if todo:
            vectors = semantic.embed_passages([p.document for p, _digest in todo])
            for (profile, digest), vector in zip(todo, vectors, strict=True):
                profile.vector, profile.vector_of = vector, digest
        with transaction.atomic():
            MemberProfile.objects.bulk_create([p for p in profiles if p.pk is None])
            MemberProfile.objects.bulk_update(
                [p for p in profiles if p.pk is not None],
                ["document", "vector", "vector_of", "updated_at"],
            )
        written["members"] += len(page)

    for member in members.iterator(chunk_size=batch):
        page.append(member)
        if len(page) >= batch:
            flush()
            page = []
    if page:
        flush()
    for activity_id in Activity.objects.filter(community=community).values_list("pk", flat=True):
        activity_profile_refresh(activity_id=activity_id)
        written["activities"] += 1
    return written


@transaction.atomic
def interest_set(*, member: Member, activity: Activity, interested: bool) -> bool:
    """Mark or unmark 「興味あり」; returns whether the member is now interested."""
    if activity.community_id != member.community_id:
        raise MatchingError("other community")
    if interested:
        Interest.objects.get_or_create(member=member, activity=activity)
    else:
        Interest.objects.filter(member=member, activity=activity).delete()
    return interested


@transaction.atomic
def invitations_send(
    *,
    activity: Activity,
    members,
    topic: MailTopic,
    subject: str,
    body: str,
    by,
) -> int:
    """Invite the chosen members to an activity with a personal mail (a `Mailing` of its own,
    delivered like every mailing). Only members mail may reach on that list are invited, and
    nobody twice to the same activity. Returns how many were invited."""
    community = activity.community
    already = Invitation.objects.filter(activity=activity).values("member_id")
    recipients = (
        reachable_members(community=community, topic=topic)
        .filter(pk__in=members.values("pk"))
        .exclude(pk__in=already)
    )
    ids = list(recipients.values_list("pk", flat=True))
    if not ids:
        return 0
    mailing = Mailing.objects.create(
        community=community, topic=topic, subject=subject, body=body, activity=activity,
        created_by=by,
    )  # fmt: skip
    Invitation.objects.bulk_create(
        Invitation(activity=activity, member_id=pk, mailing=mailing, invited_by=by) for pk in ids
    )
    return mailing_queue(mailing=mailing, members=Member.objects.filter(pk__in=ids))
