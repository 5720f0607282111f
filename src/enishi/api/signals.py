from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from enishi.members.models import Member

from .models import ApiToken


@receiver(post_save, sender=Member, dispatch_uid="api_revoke_tokens_on_withdrawal")
def revoke_tokens_on_withdrawal(sender, instance: Member, raw=False, **kwargs):
    """A withdrawn member's tokens stop for good (inside member_withdraw's transaction; the
    withdrawal itself is the audited event)."""
    if not raw and instance.status == Member.Status.WITHDRAWN:
        ApiToken.objects.filter(member=instance, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
