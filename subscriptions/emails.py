"""The emails of subscriptions, each rendered from three templates: subject, text and HTML."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from countries.models import CountryUpdate
from subscriptions.models import Subscription
from subscriptions.tokens import LinkPaths, Purpose, link_path

TEMPLATE_DIR = "subscriptions/email"
# Stand-ins for a subscriber's own links in a notification rendered once for all of them;
# letters and hyphens only, so HTML escaping leaves them as they are.
MANAGE_PLACEHOLDER = "gfmd-manage-link-placeholder"
UNSUBSCRIBE_PLACEHOLDER = "gfmd-unsubscribe-link-placeholder"


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def link_for(subscription: Subscription, purpose: Purpose) -> str:
    return absolute_url(link_path(subscription, purpose))


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str

    def replace(self, old: str, new: str) -> Rendered:
        return Rendered(
            self.subject.replace(old, new), self.text.replace(old, new), self.html.replace(old, new)
        )


def render(name: str, context: dict[str, Any]) -> Rendered:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"{TEMPLATE_DIR}/{name}_subject.txt", context)
    return Rendered(
        subject=" ".join(subject.split()),  # one line, whatever the template's whitespace
        text=render_to_string(f"{TEMPLATE_DIR}/{name}.txt", context),
        html=render_to_string(f"{TEMPLATE_DIR}/{name}.html", context),
    )


def build(
    rendered: Rendered, *, to: str, headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=rendered.subject, body=rendered.text, to=[to], headers=headers
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


class Notification(EmailMultiAlternatives):
    """A notification with the multipart boundary of its update's run.

    Left to itself, the standard library makes a new boundary for every message and compiles
    a regular expression to check it against the text: a tenth of the CPU of building a
    notification. The text is checked here instead. A boundary starting with "=_" cannot
    appear in a quoted-printable or base64 part either (RFC 2045)."""

    def __init__(self, rendered: Rendered, *, to: str, boundary: str, unsubscribe_url: str):
        super().__init__(
            subject=rendered.subject,
            body=rendered.text,
            to=[to],
            headers=list_headers(unsubscribe_url),
        )
        self.attach_alternative(rendered.html, "text/html")
        self.boundary = boundary

    def message(self) -> Any:
        message = super().message()
        if self.boundary not in self.body and self.boundary not in self.alternatives[0][0]:
            message.set_boundary(self.boundary)
        return message


def list_headers(unsubscribe_url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def confirmation_message(subscription: Subscription) -> EmailMultiAlternatives:
    with translation.override(subscription.language):
        context = {
            "country": subscription.country,
            "confirm_url": link_for(subscription, Purpose.CONFIRM),
        }
        return build(render("confirmation", context), to=subscription.email)


class Notifications:
    """The notification emails of one sending run.

    An update goes to thousands of addresses that differ only in their own manage and
    unsubscribe links, so its templates are rendered once, with placeholders for the links,
    and each message is built (by Django's mail API) with its subscriber's links filled in.
    """

    CACHE_SIZE = 64

    def __init__(self) -> None:
        self._rendered: dict[Hashable, Rendered] = {}
        self._link_path = LinkPaths()
        self._boundary = f"=_gfmd_{secrets.token_hex(16)}"

    def update(self, subscription: Subscription, update: CountryUpdate) -> Notification:
        def context() -> dict[str, Any]:
            return {"update": update, "changes": update.local_summary.splitlines()}

        return self._message("update", ("update", update.pk), subscription, context)

    def digest(
        self,
        subscription: Subscription,
        updates: Sequence[CountryUpdate],
        period_start: datetime.date,
    ) -> Notification:
        def context() -> dict[str, Any]:
            period_end = period_start + datetime.timedelta(days=6)
            return {"updates": updates, "period_start": period_start, "period_end": period_end}

        key = ("digest", subscription.country_id, period_start, tuple(u.pk for u in updates))
        return self._message("digest", key, subscription, context)

    def _message(
        self,
        name: str,
        key: Hashable,
        subscription: Subscription,
        context: Callable[[], dict[str, Any]],
    ) -> Notification:
        # In the subscriber's language: words, dates, summaries and the links' /fr/ or /es/.
        with translation.override(subscription.language):
            return self._localised_message(
                name, (*key, subscription.language), subscription, context
            )

    def _localised_message(
        self,
        name: str,
        key: Hashable,
        subscription: Subscription,
        context: Callable[[], dict[str, Any]],
    ) -> Notification:
        if key not in self._rendered:
            if len(self._rendered) >= self.CACHE_SIZE:
                self._rendered.clear()
            country = subscription.country
            self._rendered[key] = render(
                name,
                {
                    "country": country,
                    "country_url": absolute_url(country.get_absolute_url()),
                    "manage_url": MANAGE_PLACEHOLDER,
                    "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
                    **context(),
                },
            )
        unsubscribe_url = absolute_url(self._link_path(subscription, Purpose.UNSUBSCRIBE))
        rendered = (
            self._rendered[key]
            .replace(
                MANAGE_PLACEHOLDER, absolute_url(self._link_path(subscription, Purpose.MANAGE))
            )
            .replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url)
        )
        return Notification(
            rendered,
            to=subscription.email,
            boundary=self._boundary,
            unsubscribe_url=unsubscribe_url,
        )
