from django.db.models.signals import post_save
from django.dispatch import receiver

from enishi.members.models import Member

from .services import deliveries_erase_for_withdrawal


@receiver(post_save, sender=Member, dispatch_uid="mailings_erase_addresses_on_withdrawal")
def erase_addresses_on_withdrawal(sender, instance: Member, raw=False, **kwargs):
    """members.services.member_withdraw saves the member as withdrawn inside its transaction:
    their delivery addresses go in the same transaction."""
    if not raw and instance.status == Member.Status.WITHDRAWN:
        deliveries_erase_for_withdrawal(member=instance)
