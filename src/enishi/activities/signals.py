from django.db.models.signals import post_save
from django.dispatch import receiver

from enishi.members.models import Member

from .services import applications_release_for_withdrawal


@receiver(post_save, sender=Member, dispatch_uid="activities_release_places_on_withdrawal")
def release_places_on_withdrawal(sender, instance: Member, raw=False, **kwargs):
    """members.services.member_withdraw saves the member as withdrawn inside its transaction:
    their places go back (and on to the waiting list) in the same transaction."""
    if not raw and instance.status == Member.Status.WITHDRAWN:
        applications_release_for_withdrawal(member=instance)
