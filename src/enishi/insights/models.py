"""Summary tables of the ledger, kept up to date by `ledger.services` in the same transaction
as the entry they count (see summaries.py), and recomputed from the ledger by
`enishi rebuild_insights`. They count live entries only (neither a correction nor corrected)."""

from django.db import models

from enishi.communities.models import Community
from enishi.members.models import Member


class EngagementDay(models.Model):
    """Live engagements of a community per Japan-time day and kind; attendances at an
    organizer's activities are counted under that organizer (0: no organizer)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=20)
    organizer = models.PositiveBigIntegerField(default=0)  # an Organizer pk, or 0
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "day", "kind", "organizer"],
                                    name="engagementday_unique"),  # fmt: skip
        ]


class MemberMonth(models.Model):
    """A member's live engagements other than registering in one Japan-time month: how many,
    and when the first of them happened. `joined` copies the member's joining time (the
    retention cohort)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    joined = models.DateTimeField(null=True)
    first_at = models.DateTimeField(null=True)  # null when n is 0
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="membermonth_unique"),
        ]
        indexes = [
            models.Index(fields=["community", "joined", "month"], name="membermonth_cohort"),
            models.Index(fields=["community", "month", "member"], name="membermonth_month"),
        ]
