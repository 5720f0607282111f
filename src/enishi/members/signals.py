from allauth.account.signals import email_confirmed, user_logged_in
from django.dispatch import receiver

from .services import member_activate_pending


@receiver(email_confirmed)
def activate_on_email_confirmed(sender, request, email_address, **kwargs):
    member_activate_pending(user=email_address.user)


@receiver(user_logged_in)
def activate_on_login(sender, request, user, **kwargs):
    # A login by emailed code proves the address too.
    if user.emailaddress_set.filter(verified=True).exists():
        member_activate_pending(user=user)
