"""Email addresses as the mail server sees them: one spelling per address, one key per mailbox.

Many spellings reach one inbox. Django's SMTP backend sends `"victim1"@example.net`,
`"v\\ictim1"@example.net` and `=?utf-8?q?victim1?=@example.net` all as RCPT TO
<victim1@example.net>; domains are case-insensitive and IDNA maps fullwidth letters or
a soft hyphen inside a name to the same host. Public forms accept only the plain spelling
(`plain_address_validate`), store the address as it is sent (`address_canonical`), and
count what they send by `mailbox_key`, which also folds the sub-addresses most servers
deliver to one inbox.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.core.exceptions import ValidationError
from django.core.mail.message import sanitize_address
from django.db import connection
from django.utils.translation import gettext_lazy as _

# Never needed by a real address, always a way to spell another one differently.
NOT_PLAIN = ('"', "\\", "=?")
# Providers that deliver `j.o.e@` and `joe@` to one inbox.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
SUBADDRESS_DELIMITER = "+"
MAX_LENGTH = 254

PLAIN_ADDRESS_MESSAGE = _(
    "Type the address plainly, as name@example.org: quotation marks, backslashes, "
    "encoded words (=?…?=) and [IP address] domains are not accepted."
)


def _sent_as(address: str) -> tuple[str, str]:
    """(local part, domain) of the envelope address Django's SMTP backend sends to (a final
    dot, which names the same domain, removed first: Django would refuse it)."""
    try:
        sent = sanitize_address(address.strip().rstrip("."), "utf-8")
    except ValueError as error:
        raise ValidationError(PLAIN_ADDRESS_MESSAGE, code="not_plain") from error
    local, _at, domain = sent.rpartition("@")
    return local, domain


def address_canonical(address: str) -> str:
    """The address as it is sent, lower-cased, its domain in ASCII (IDNA)."""
    local, domain = _sent_as(address)
    return f"{local}@{domain}".lower()


def mailbox_key(address: str) -> str:
    """The inbox an address reaches: its canonical form without a `+tag` and, at Gmail,
    without dots. Caps on what we send to one person count by this key."""
    local, _at, domain = address_canonical(address).rpartition("@")
    local = local.split(SUBADDRESS_DELIMITER, 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def plain_address_validate(address: str) -> None:
    """Refuse an address that would be sent as a different spelling than the one typed
    (a quoted or escaped local part, encoded words) or to an IP address literal."""
    typed_local, _at, typed_domain = address.strip().rpartition("@")
    local, _domain = _sent_as(address)
    if (
        any(mark in typed_local for mark in NOT_PLAIN)
        or local != typed_local
        or typed_domain.startswith("[")
    ):
        raise ValidationError(PLAIN_ADDRESS_MESSAGE, code="not_plain")
    if len(address_canonical(address)) > MAX_LENGTH:
        raise ValidationError(
            _("This address is too long once its domain is encoded for sending."),
            code="max_length",
        )


class PlainEmailField(forms.EmailField):
    """An email field of a public form: a valid address, typed plainly."""

    def run_validators(self, value: str) -> None:
        super().run_validators(value)  # Django's check first: one message for a non-address
        if value not in self.empty_values:
            plain_address_validate(value)


def mailbox_lock(key: str) -> None:
    """Wait for, then hold until the transaction ends, a lock on one inbox: transactions that
    count what the inbox was sent, then send more, take their turns (a PostgreSQL advisory
    lock). SQLite, for development only, lets one transaction write at a time: a second one
    fails rather than sends too much."""
    if connection.vendor != "postgresql":
        return
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])
