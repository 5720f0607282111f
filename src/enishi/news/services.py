"""Writes for reports and news."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from enishi.communities.models import Community
from enishi.core.photos import photo_clean

from .models import Report, ReportPhoto


@transaction.atomic
def report_save(*, community: Community, report: Report, by) -> Report:
    """Save a report; publishing it the first time stamps its publication time."""
    report.community = community
    if report.pk is None:
        report.created_by = by
    if report.status == Report.Status.PUBLISHED and report.published_at is None:
        report.published_at = timezone.now()
    report.save()
    return report


@transaction.atomic
def report_photo_add(*, report: Report, upload, alt: str) -> ReportPhoto:
    """Add a photo (checked and re-encoded: photos.photo_clean raises PhotoError)."""
    content = photo_clean(upload)
    position = (report.photos.aggregate(n=Max("position"))["n"] or 0) + 1
    photo = ReportPhoto(report=report, alt=alt, position=position)
    photo.image.save(content.name, content, save=False)
    photo.save()
    return photo


def report_photo_delete(*, photo: ReportPhoto) -> None:
    image = photo.image
    photo.delete()
    transaction.on_commit(lambda: image.delete(save=False))
