"""Background work run by the task worker (`enishi db_worker`)."""

from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task
def send_email(*, subject: str, body: str, from_email: str, to: list[str], html: str = "") -> None:
    """Deliver one rendered mail. Rendering happens in the request, sending here, so a slow or
    failing mail server never holds up a page."""
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=from_email, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
