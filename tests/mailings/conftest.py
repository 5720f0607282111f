import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.test import TestCase

from enishi.mailings.models import MailTopic, Segment
from enishi.privacy.models import Consent
from tests.factories import MemberFactory


def subscriber(*, newsletter: bool = True, **kwargs):
    """An active member who answered the newsletter question (yes by default)."""
    member = MemberFactory(**kwargs)
    Consent.objects.create(
        member=member, purpose=Consent.Purpose.NEWSLETTER_EMAIL, granted=newsletter,
        version="1.0", source="join",
    )  # fmt: skip
    return member


@pytest.fixture
def committed():
    return lambda: TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def topic(community):
    return MailTopic.objects.get(community=community, name="会報")


@pytest.fixture
def everyone(community):
    return Segment.objects.create(
        community=community, name="全員", match="all", conditions={"everyone": True}
    )


class Sink:
    """What a local SMTP server received; refuses addresses starting "bounce" (550)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        with self.lock:
            return [to for envelope in self.messages for to in envelope.rcpt_tos]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.sink = Sink()
        self.port = _free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """A real SMTP server on localhost that Django's SMTP backend sends to."""
    server = SmtpServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    yield server
    server.stop()
