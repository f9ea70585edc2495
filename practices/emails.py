"""Emails about practice submissions, rendered from templates/practices/email/."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from core.mailboxes import mailbox_key
from core.ratelimit import RateLimit
from practices.models import PracticeSubmission

MODERATE_PERMISSION = "practices.moderate_practicesubmission"
# The submitter's address is unverified: whoever typed it, its inbox gets at most this many
# acknowledgements a day (a calendar day in UTC), whatever the spelling of the address.
ACKNOWLEDGEMENTS_PER_DAY = 1
ACKNOWLEDGEMENT_LIMIT = RateLimit(
    scope="practice-acknowledgement", limit=ACKNOWLEDGEMENTS_PER_DAY, window_seconds=24 * 3600
)


def _message(*, template: str, context: dict[str, Any], to: str) -> EmailMultiAlternatives:
    prefix = f"practices/email/{template}"
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{prefix}.txt", context), to=[to]
    )
    message.attach_alternative(render_to_string(f"{prefix}.html", context), "text/html")
    return message


def _context(practice: PracticeSubmission) -> dict[str, Any]:
    countries = [country.name for country in practice.countries.all()]
    if practice.is_global:
        countries.insert(0, str(_("Global")))
    return {
        "practice": practice,
        "countries": ", ".join(countries),
        "themes": ", ".join(theme.name for theme in practice.themes.all()),
        "site_url": settings.SITE_URL,
        "admin_url": settings.SITE_URL
        + reverse("admin:practices_practicesubmission_change", args=[practice.pk]),
    }


def moderator_emails() -> list[str]:
    """Addresses of active users who may publish practices (superusers included)."""
    users = get_user_model().objects.with_perm(
        MODERATE_PERMISSION, is_active=True, backend="django.contrib.auth.backends.ModelBackend"
    )
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def practice_acknowledgement_send(*, practice: PracticeSubmission) -> int:
    """Thank the submitter; returns the number of emails sent.

    Anyone can type anyone's address into the form, so the email is ours word for word (the
    subject and body quote nothing the submitter typed: no title, name or organisation) and
    an inbox gets ACKNOWLEDGEMENTS_PER_DAY at most.
    """
    if not settings.EMAIL_SENDING_ENABLED or not practice.submitter_email:
        return 0
    if ACKNOWLEDGEMENT_LIMIT.hit(mailbox_key(practice.submitter_email)):
        return 0
    message = _message(
        template="practice_acknowledgement",
        context=_context(practice),
        to=practice.submitter_email,
    )
    return message.send()


def practice_moderators_notify(*, practice: PracticeSubmission) -> int:
    """One email per moderator (addresses stay private); returns the number sent."""
    recipients = moderator_emails()
    if not settings.EMAIL_SENDING_ENABLED or not recipients:
        return 0
    context = _context(practice)
    messages = [
        _message(template="practice_moderators", context=context, to=address)
        for address in recipients
    ]
    return get_connection().send_messages(messages) or 0
