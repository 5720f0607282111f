from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, password_reset, user_logged_in
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


@receiver(password_reset)
def verify_on_password_reset(sender, request, user, **kwargs):
    """A password set from a mailed reset link proves the address the link was sent to. A
    login with one address (a member imported from another system claiming their account)
    then counts as verified; with several, which one received the link is unknown."""
    addresses = list(EmailAddress.objects.filter(user=user))
    if len(addresses) == 1 and not addresses[0].verified:
        addresses[0].verified = True
        addresses[0].save(update_fields=["verified"])
        member_activate_pending(user=user)
