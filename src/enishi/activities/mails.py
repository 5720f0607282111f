"""Mails to applicants: rendered where the change happens, sent by the task worker after the
transaction commits (a rolled-back change sends nothing)."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community
from enishi.core.tasks import send_email

from .models import Application

SUBJECTS = {
    "received": _("応募を受け付けました：%(title)s"),
    "accepted": _("参加が決まりました：%(title)s"),
    "waitlisted": _("キャンセル待ちで受け付けました：%(title)s"),
    "rejected": _("選考結果のお知らせ：%(title)s"),
    "promoted": _("キャンセル待ちから参加が決まりました：%(title)s"),
    "reminder": _("開催が近づいています：%(title)s"),
    "thanks": _("ご参加ありがとうございました：%(title)s"),
}


def absolute_url(community: Community, path: str) -> str:
    """Links in mails, which may be sent outside a request (the worker, cron): the
    community's own host name, else ENISHI_BASE_URL."""
    if community.domain:
        return f"https://{community.domain}{path}"
    return f"{settings.ENISHI_BASE_URL}{path}"


def application_mail(*, application: Application, kind: str, message: str = "") -> None:
    """Mail the applicant about their application (nothing when they have no address)."""
    member = application.member
    user = member.user
    if user is None or not user.email:
        return
    session = application.session
    activity = session.activity
    community = activity.community
    context = {
        "community": community,
        "member": member,
        "activity": activity,
        "session": session,
        "application": application,
        "message": message,
        "activity_url": absolute_url(community, reverse("activities:detail", args=[activity.pk])),
        "applications_url": absolute_url(community, reverse("activities:my_applications")),
    }
    subject = f"[{community.name}] " + str(SUBJECTS[kind]) % {"title": activity.title}
    kwargs = {
        "subject": subject,
        "body": render_to_string(f"activities/email/{kind}.txt", context),
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "to": [user.email],
    }
    transaction.on_commit(lambda: send_email.enqueue(**kwargs))
