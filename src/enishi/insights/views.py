from datetime import timedelta

from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from enishi.communities.permissions import Perm, staff_required
from enishi.members.models import Member


@staff_required(Perm.INSIGHTS)
def staff_home(request):
    """Today's figures for the staff home page, in one query."""
    week_ago = timezone.now() - timedelta(days=7)
    figures = Member.objects.filter(community=request.community).aggregate(
        members=Count("pk", filter=~Q(status=Member.Status.WITHDRAWN)),
        verified=Count("pk", filter=Q(status=Member.Status.ACTIVE)),
        new_this_week=Count("pk", filter=Q(status=Member.Status.ACTIVE, joined_at__gte=week_ago)),
        unverified=Count("pk", filter=Q(status=Member.Status.PENDING)),
        # Sign-ups erased unverified (no join date) were never members: not withdrawals.
        withdrawn=Count(
            "pk", filter=Q(status=Member.Status.WITHDRAWN, joined_at__isnull=False)
        ),
    )
    return render(request, "insights/staff_home.html", {"figures": figures})
