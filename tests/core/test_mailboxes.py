from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.mailboxes import (
    PlainEmailField,
    address_canonical,
    mailbox_key,
    plain_address_validate,
)

# Spellings that Django's SMTP backend sends to, or a mail server delivers to, one inbox.
ONE_INBOX = [
    "victim1@example.net",
    '"victim1"@example.net',
    '"v\\ictim1"@example.net',
    "=?utf-8?q?victim1?=@example.net",
    "=?utf-8?b?dmljdGltMQ==?=@example.net",
    "VICTIM1@Example.NET",
    # Fullwidth letters, which IDNA maps to ASCII:
    "victim1@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.net",
    "victim1@exam\u00adple.net",  # a soft hyphen, dropped by IDNA
    "victim1@example.net.",  # the root's dot
    "victim1+tag@example.net",  # a sub-address
    " victim1@example.net ",
]


@pytest.mark.parametrize("address", ONE_INBOX)
def test_every_spelling_of_one_inbox_has_one_key(address):
    assert mailbox_key(address) == "victim1@example.net"


def test_gmail_ignores_dots_and_googlemail_is_gmail():
    assert mailbox_key("Vic.Tim.1+x@googlemail.com") == "victim1@gmail.com"
    assert mailbox_key("vic.tim@example.net") == "vic.tim@example.net"


def test_canonical_address_is_what_is_sent_in_lower_case_with_an_ascii_domain():
    assert address_canonical(" Reader@Bücher.Example ") == "reader@xn--bcher-kva.example"
    assert address_canonical("reader+news@example.org.") == "reader+news@example.org"


@pytest.mark.parametrize(
    "address",
    [
        '"victim1"@example.net',
        '"v\\ictim1"@example.net',
        "=?utf-8?q?victim1?=@example.net",
        "v=?utf-8?q?ictim1?=@example.net",
        '"victim1@example.net"@example.org',
        "victim1@[192.0.2.1]",
    ],
)
def test_spellings_that_are_not_sent_as_typed_are_refused(address):
    with pytest.raises(ValidationError, match="quotation marks, backslashes"):
        plain_address_validate(address)


@pytest.mark.parametrize(
    "address", ["victim1@example.net", "Reader+news@Bücher.example", "o'neil@example.ie"]
)
def test_plain_addresses_pass(address):
    plain_address_validate(address)


def test_an_address_too_long_once_its_domain_is_encoded_is_refused():
    address = f"{'a' * 200}@{'ü' * 40}.example"
    assert len(address) < 254
    with pytest.raises(ValidationError, match="too long"):
        plain_address_validate(address)


@pytest.mark.parametrize(
    "address",
    ["victim1(comment)@example.net", "victim1@(comment)example.net", "vic tim1@example.net"],
)
def test_the_form_field_refuses_comments_and_inner_whitespace(address):
    with pytest.raises(ValidationError, match="Enter a valid email address"):
        PlainEmailField().clean(address)


def test_the_form_field_gives_one_message_for_a_non_address():
    with pytest.raises(ValidationError) as refused:
        PlainEmailField().clean("not an address")
    assert refused.value.messages == ["Enter a valid email address."]
    assert PlainEmailField().clean(" Reader@Example.org ") == "Reader@Example.org"
