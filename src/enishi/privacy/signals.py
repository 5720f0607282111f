from django.contrib.auth import user_logged_in
from django.dispatch import receiver

CONSENT_NEEDED_KEY = "enishi.consent_needed"


@receiver(user_logged_in)
def ask_for_consent_to_changed_policies(sender, request, user, **kwargs):
    """At sign-in, a member who has not agreed to a changed policy is asked before going on."""
    from enishi.members.selectors import member_for_user

    from .selectors import policies_needing_consent

    community = getattr(request, "community", None) if request is not None else None
    if community is None or not hasattr(request, "session"):
        return
    member = member_for_user(community=community, user=user)
    if member is not None and member.status == member.Status.ACTIVE:
        if policies_needing_consent(member=member):
            request.session[CONSENT_NEEDED_KEY] = True
