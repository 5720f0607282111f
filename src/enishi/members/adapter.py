from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.db import transaction

from enishi.core.tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    def format_email_subject(self, subject: str) -> str:
        community = getattr(context.request, "community", None)
        return f"[{community.name}] {subject}" if community else subject

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's mails (verification, login code, 'you already have an account') go through
        the task worker, after the transaction that asked for them has committed."""
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
