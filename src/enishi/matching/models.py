"""What makes skills findable: a searchable profile per member and per activity (the text the
exact matcher reads, and a compact embedding for the semantic one), 興味あり marks and
personal invitations sent from scouting."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.activities.models import Activity
from enishi.communities.models import Community
from enishi.members.models import Member


class MemberProfile(models.Model):
    """A member's skill tags, topics and experience text as one normalised document
    (`core.text.search_normalize`), searched by character n-grams (SQLite FTS5 trigram,
    PostgreSQL pg_trgm), and its embedding when the semantic extra is installed.
    Rebuilt by `services.member_profile_refresh` whenever the member's profile changes."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="profile_index")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    document = models.TextField(blank=True)
    # 384 int8 components (the unit vector × 127): 384 bytes a member; empty = not embedded.
    vector = models.BinaryField(blank=True, default=b"")
    vector_of = models.CharField(max_length=64, blank=True)  # hash of the embedded text
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["community", "updated_at"])]


class ActivityProfile(models.Model):
    """The same for an activity: its title, body and wanted skills, for recommendations."""

    activity = models.OneToOneField(
        Activity, on_delete=models.CASCADE, related_name="profile_index"
    )
    document = models.TextField(blank=True)
    vector = models.BinaryField(blank=True, default=b"")
    vector_of = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)


class Interest(models.Model):
    """A member marked 「興味あり」 on an activity (SMOUT's 興味ある): not an application, a sign
    staff can act on and a reason to remind them before the window closes."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="interests")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="interests")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "activity"], name="interest_once"),
        ]
        indexes = [models.Index(fields=["activity", "-created_at"])]


class Invitation(models.Model):
    """Staff invited a member to an activity by a personal mail (a `Mailing` of its own)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="invitations")
    mailing = models.ForeignKey(
        "mailings.Mailing", on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("招待")
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="invitation_once"),
        ]
