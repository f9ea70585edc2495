"""The emails of subscriptions, each rendered from three templates: subject, text and HTML."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from subscriptions.models import CountryUpdate, Subscription
from subscriptions.tokens import Purpose, link_path

TEMPLATE_DIR = "subscriptions/email"


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def link_for(subscription: Subscription, purpose: Purpose) -> str:
    return absolute_url(link_path(subscription, purpose))


def render_message(
    name: str, context: dict[str, Any], *, to: str, headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"{TEMPLATE_DIR}/{name}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line, whatever the template's whitespace
        body=render_to_string(f"{TEMPLATE_DIR}/{name}.txt", context),
        to=[to],
        headers=headers,
    )
    message.attach_alternative(
        render_to_string(f"{TEMPLATE_DIR}/{name}.html", context), "text/html"
    )
    return message


def _notification(
    name: str, subscription: Subscription, context: dict[str, Any]
) -> EmailMultiAlternatives:
    """A message to an active subscriber: manage and one-click unsubscribe links (RFC 8058)."""
    unsubscribe_url = link_for(subscription, Purpose.UNSUBSCRIBE)
    country = subscription.country
    context = {
        "subscription": subscription,
        "country": country,
        "country_url": absolute_url(country.get_absolute_url()),
        "manage_url": link_for(subscription, Purpose.MANAGE),
        "unsubscribe_url": unsubscribe_url,
        **context,
    }
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return render_message(name, context, to=subscription.email, headers=headers)


def confirmation_message(subscription: Subscription) -> EmailMultiAlternatives:
    context = {
        "subscription": subscription,
        "country": subscription.country,
        "confirm_url": link_for(subscription, Purpose.CONFIRM),
    }
    return render_message("confirmation", context, to=subscription.email)


def update_message(subscription: Subscription, update: CountryUpdate) -> EmailMultiAlternatives:
    return _notification(
        "update", subscription, {"update": update, "changes": update.summary.splitlines()}
    )


def digest_message(
    subscription: Subscription, updates: Sequence[CountryUpdate], period_start: datetime.date
) -> EmailMultiAlternatives:
    period_end = period_start + datetime.timedelta(days=6)
    context = {"updates": updates, "period_start": period_start, "period_end": period_end}
    return _notification("digest", subscription, context)
