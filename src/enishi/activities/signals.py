from django.db.models.signals import post_save
from django.dispatch import receiver

from enishi.members.models import Member

from .services import applications_release_for_withdrawal, calendar_feed_revoke


@receiver(post_save, sender=Member, dispatch_uid="activities_release_places_on_withdrawal")
def release_places_on_withdrawal(sender, instance: Member, raw=False, **kwargs):
    """members.services.member_withdraw saves the member as withdrawn inside its transaction:
    their places go back (and on to the waiting list) in the same transaction, and their
    calendar feed URL stops working."""
    if not raw and instance.status == Member.Status.WITHDRAWN:
        applications_release_for_withdrawal(member=instance)
        calendar_feed_revoke(member=instance)
