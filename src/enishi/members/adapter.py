from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as context_module
from django.db import transaction
from django.urls import reverse

from enishi.communities.permissions import Perm, has_perm, is_community_staff
from enishi.core.tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """Staff land on the staff home, a partner shop's clerk on the counter, members on
        their page."""
        community = getattr(request, "community", None)
        if has_perm(request.user, community, Perm.SHOP_REDEEM):
            return reverse("shops:counter")
        if is_community_staff(request.user, community):
            return reverse("staff_home")
        return super().get_login_redirect_url(request)

    def format_email_subject(self, subject: str) -> str:
        community = getattr(context_module.request, "community", None)
        return f"[{community.name}] {subject}" if community else subject

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's mails (verification, login code, 'you already have an account') go through
        the task worker, after the transaction that asked for them has committed."""
        request = context_module.request
        community = getattr(request, "community", None)
        if community is not None:
            # Mails speak in the community's name (there is no sites framework here).
            context = {
                **context,
                "community": community,
                "current_site": SimpleNamespace(name=community.name, domain=request.get_host()),
            }
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                content
                for content, mime in getattr(message, "alternatives", [])
                if mime == "text/html"
            ),
            "",
        )
        kwargs = {
            "subject": str(message.subject),
            "body": message.body,
            "from_email": message.from_email,
            "to": list(message.to),
            "html": html,
        }
        transaction.on_commit(lambda: send_email.enqueue(**kwargs))


def user_display(user) -> str:
    """How allauth names a login in its messages: by email, never the generated username."""
    return user.email
