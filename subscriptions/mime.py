"""One email, serialised once, sent to thousands: the MIME form of a notification with slots
for what differs per subscriber (To, Date, Message-ID, the links and List-Unsubscribe).

Django builds and serialises every message with the standard library's email package, which
folds every header through `email.header.Header` and compiles a regular expression per
message to check its multipart boundary: building, serialising and checking the addresses
of a notification cost the sender about 0.55 ms of CPU, over four times what sending it
does. A notification's messages differ only in a few values, so its template is serialised
once by Django itself, with stand-ins, and each message is that template with the
subscriber's values in. `fill()` gives exactly the bytes Django would give for that message
(only the boundary, a random string, differs; it is the same for all of the template's
messages), and answers None wherever that could not be guaranteed (a link that would make a
line longer than SMTP allows, which Django would quoted-printable encode): the caller then
lets Django build that message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.policy import compat32
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers
from django.core.mail.utils import DNS_NAME

CRLF = b"\r\n"
SMTP_POLICY = compat32.clone(linesep="\r\n")  # what Django's SMTP backend serialises with
MAX_HEADER_LINE = SMTP_POLICY.max_line_length
# compat32 folds a header only at whitespace, or at "," and ";" in a line it cannot fold
# otherwise; a value without any of them is written whole, after the colon or on the next
# line. tests/subscriptions/test_mime.py checks these shortcuts against the policy itself.
_UNBREAKABLE = re.compile(r"[!-+\--:<-~]+")
_VISIBLE_WORDS = re.compile(r"[!-~]+(?: [!-~]+)*")

# The To of a template: short enough never to be folded.
TO_STAND_IN = "gfmd-to-slot@slot.invalid"
_DATE = "gfmd-date-slot"
_MESSAGE_ID = "<gfmd-message-id-slot@slot.invalid>"
_LINK = re.compile(r"[!-~]+")  # what a link may be to go in as it is


def header_line(name: str, value: str) -> bytes:
    """A header as compat32 writes it, for a value already made safe by Django."""
    line = f"{name}: {value}"
    if len(line) <= MAX_HEADER_LINE and _VISIBLE_WORDS.fullmatch(value):
        return line.encode() + CRLF
    if _UNBREAKABLE.fullmatch(value):
        return f"{name}: \r\n {value}\r\n".encode()
    return SMTP_POLICY.fold_binary(name, value)


@dataclass(frozen=True)
class _Segment:
    """Template bytes up to a slot, and the slot (None after the last one)."""

    text: bytes
    slot: bytes | None


class MessageTemplate:
    """A message serialised once; `fill()` puts one recipient's values in its slots."""

    def __init__(
        self,
        segments: list[_Segment],
        *,
        header_slots: dict[bytes, str],
        link_headers: dict[str, str],
        encoding: str,
        max_link_growth: int,
    ) -> None:
        self._segments = segments
        self._header_slots = header_slots  # slot line: header name
        self._link_headers = link_headers  # header name: the link stand-in it holds
        self._encoding = encoding
        self._max_link_growth = max_link_growth

    @classmethod
    def build(cls, message: EmailMessage, *, links: list[str]) -> MessageTemplate | None:
        """The template of `message`, addressed to TO_STAND_IN, whose bodies hold the
        stand-ins `links` and whose headers name them only as a whole `<link>` value.

        None when a part would not be written as it is (quoted-printable or base64), or
        a stand-in turns up anywhere else in the headers: its slots could not be filled.
        """
        link_headers = {
            name: value[1:-1]
            for name, value in message.extra_headers.items()
            if value.startswith("<") and value.endswith(">") and value[1:-1] in links
        }
        mime = message.message()
        if any(
            part["Content-Transfer-Encoding"] not in {"7bit", "8bit"}
            for part in mime.walk()
            if not part.is_multipart()
        ):
            return None
        mime.replace_header("Date", _DATE)
        mime.replace_header("Message-ID", _MESSAGE_ID)
        data = mime.as_bytes(linesep="\r\n")
        head_end = data.index(CRLF + CRLF) + len(CRLF)
        header_slots = {
            header_line("To", TO_STAND_IN): "To",
            header_line("Date", _DATE): "Date",
            header_line("Message-ID", _MESSAGE_ID): "Message-ID",
        }
        for name, link in link_headers.items():
            header_slots[header_line(name, f"<{link}>")] = name
        body_slots = [link.encode() for link in links]
        slots = [*header_slots, *sorted(body_slots, key=len, reverse=True)]
        segments: list[_Segment] = []
        start = 0
        for match in re.finditer(b"|".join(map(re.escape, slots)), data):
            if match.group() in header_slots:
                after_line_break = data[match.start() - 2 : match.start()] == CRLF
                where_it_belongs = after_line_break and match.start() < head_end
            else:
                where_it_belongs = match.start() >= head_end
            if not where_it_belongs:
                return None
            segments.append(_Segment(data[start : match.start()], match.group()))
            start = match.end()
        segments.append(_Segment(data[start:], None))
        if sorted(s.slot for s in segments if s.slot in header_slots) != sorted(header_slots):
            return None
        return cls(
            segments,
            header_slots=header_slots,
            link_headers=link_headers,
            encoding=message.encoding or settings.DEFAULT_CHARSET,
            max_link_growth=_max_link_growth(data[head_end:], body_slots),
        )

    def fill(self, *, to: str, links: dict[str, str]) -> bytes | None:
        """The serialised message for one recipient; `links` maps each stand-in to its
        value. None if Django would write this one otherwise (see the module)."""
        growth = max((len(value) - len(stand_in) for stand_in, value in links.items()), default=0)
        if growth > self._max_link_growth or not all(map(_LINK.fullmatch, links.values())):
            return None
        values = {
            "To": to,
            "Date": formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
            "Message-ID": make_msgid(domain=DNS_NAME),
        }
        for name, stand_in in self._link_headers.items():
            values[name] = f"<{links[stand_in]}>"
        filled = {
            slot: header_line(
                name, forbid_multi_line_headers(name, values[name], self._encoding)[1]
            )
            for slot, name in self._header_slots.items()
        }
        filled.update((stand_in.encode(), value.encode()) for stand_in, value in links.items())
        return b"".join(
            segment.text + filled[segment.slot] if segment.slot else segment.text
            for segment in self._segments
        )


def _max_link_growth(body: bytes, slots: list[bytes]) -> int:
    """How much longer than its stand-in a link may be before a line holding stand-ins
    grows past SMTP's limit (where Django would switch to quoted-printable)."""
    return min(
        [
            (RFC5322_EMAIL_LINE_LENGTH_LIMIT - len(line)) // count
            for line in body.split(CRLF)
            if (count := sum(line.count(slot) for slot in slots))
        ],
        default=RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    )
