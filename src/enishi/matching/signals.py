"""Keep the search profiles in step: a change to a member (profile, status, withdrawal) or an
activity, or to their tags, re-indexes it by a task queued after the transaction commits."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from enishi.activities.models import Activity
from enishi.members.models import Member

from .tasks import index_activity, index_member


def _queue_member(member_id: int) -> None:
    transaction.on_commit(lambda: index_member.enqueue(member_id=member_id))


def _queue_activity(activity_id: int) -> None:
    transaction.on_commit(lambda: index_activity.enqueue(activity_id=activity_id))


@receiver(post_save, sender=Member, dispatch_uid="matching_member_saved")
def member_saved(sender, instance: Member, raw=False, **kwargs):
    if not raw:
        _queue_member(instance.pk)


@receiver(m2m_changed, sender=Member.skills.through, dispatch_uid="matching_member_skills")
@receiver(m2m_changed, sender=Member.topics.through, dispatch_uid="matching_member_topics")
def member_tags_changed(sender, instance, action, reverse=False, **kwargs):
    if action.startswith("post_") and not reverse and isinstance(instance, Member):
        _queue_member(instance.pk)


@receiver(post_save, sender=Activity, dispatch_uid="matching_activity_saved")
def activity_saved(sender, instance: Activity, raw=False, **kwargs):
    if not raw:
        _queue_activity(instance.pk)


@receiver(m2m_changed, sender=Activity.wanted_skills.through, dispatch_uid="matching_act_skills")
@receiver(m2m_changed, sender=Activity.topics.through, dispatch_uid="matching_act_topics")
def activity_tags_changed(sender, instance, action, reverse=False, **kwargs):
    if action.startswith("post_") and not reverse and isinstance(instance, Activity):
        _queue_activity(instance.pk)
