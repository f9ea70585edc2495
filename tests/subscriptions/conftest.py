from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RecordingHandler:
    """An SMTP server's handler that keeps every message it accepts.

    Told to, it answers chosen recipients with a refusal at RCPT (`refuse_rcpt`, address:
    answer) or at DATA (`refuse_data`), drops the connection in the middle of a chosen
    recipient's DATA (`drop`), or answers 451 once it holds `fail_after` messages."""

    raw_messages: list[bytes] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    fail_after: int | None = None
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    refuse_data: dict[str, str] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        [address] = envelope.rcpt_tos
        if address in self.drop:
            server.transport.close()
            return "421 4.4.2 Connection dropped"
        if address in self.refuse_data:
            return self.refuse_data[address]
        if self.fail_after is not None and len(self.raw_messages) >= self.fail_after:
            return "451 4.3.0 Try again later"
        self.raw_messages.append(envelope.original_content)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default) for raw in self.raw_messages
        ]

    def count_by_recipient(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for recipients in self.recipients:
            for address in recipients:
                counts[address] = counts.get(address, 0) + 1
        return counts


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def clear_cache():
    """The rate limit counts in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://gfmd.example.org"
