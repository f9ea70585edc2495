from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.ratelimit import RateLimit
from countries.models import Country, CountryUpdate, ForumYear
from countries.profile import countries_shown_with
from countries.services import country_updates_recorded
from practices.models import PracticeSubmission, Theme
from practices.tasks import practice_acknowledgement_task, practice_moderators_notify_task

DESCRIPTION_TAGS = {"p", "br", "ul", "ol", "li", "a", "em", "strong", "b", "i", "blockquote"}
DESCRIPTION_ATTRIBUTES = {"a": {"href", "title"}}
DESCRIPTION_URL_SCHEMES = {"http", "https", "mailto"}
_HTML_TAG = re.compile(r"<[a-zA-Z/!]")
# Paths under /practices/ that a practice slug must not take.
RESERVED_SLUGS = frozenset({"submit"})

SUBMISSIONS_PER_HOUR = 5
SUBMISSION_LIMIT = RateLimit(scope="practice-submission", limit=SUBMISSIONS_PER_HOUR)


def practice_description_sanitise(html: str) -> str:
    """The only HTML a description may hold: paragraphs, lists, links and emphasis.

    Plain text (no tag at all, as typed into the public form) becomes paragraphs first. Every
    write path calls this: the form, the admin, the importer and the loaders.
    """
    text = html.strip()
    if text and not _HTML_TAG.search(text):
        text = linebreaks(text, autoescape=True)
    return nh3.clean(
        text,
        tags=DESCRIPTION_TAGS,
        attributes=DESCRIPTION_ATTRIBUTES,
        url_schemes=DESCRIPTION_URL_SCHEMES,
        link_rel="nofollow noopener",
    ).strip()


def practice_slug_make(*, title: str, exclude_pk: int | None = None) -> str:
    """A free slug for the title: `labour-mobility`, then `labour-mobility-2`, …"""
    max_length = PracticeSubmission._meta.get_field("slug").max_length - 6
    base = slugify(title)[:max_length].strip("-") or "practice"
    taken = RESERVED_SLUGS | set(
        PracticeSubmission.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def practice_submit(
    *,
    title: str,
    description: str,
    submitted_by_name: str,
    submitter_email: str,
    submitter_organisation: str = "",
    countries: Iterable[Country] = (),
    is_global: bool = False,
    themes: Iterable[Theme] = (),
    partners: str = "",
    forum_year: ForumYear | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
    url: str = "",
) -> PracticeSubmission:
    """Store a public submission as pending; the submitter and moderators hear of it by email."""
    with transaction.atomic():
        practice = PracticeSubmission.objects.create(
            title=title.strip(),
            slug=practice_slug_make(title=title),
            description=practice_description_sanitise(description),
            is_global=is_global,
            partners=partners.strip(),
            forum_year=forum_year,
            start_year=start_year,
            end_year=end_year,
            url=url,
            submitted_by_name=submitted_by_name.strip(),
            submitter_organisation=submitter_organisation.strip(),
            submitter_email=submitter_email,
            submitted_on=timezone.localdate(),
            status=PracticeSubmission.Status.PENDING,
        )
        practice.countries.set(countries)
        practice.themes.set(themes)
        transaction.on_commit(lambda: practice_acknowledgement_task.enqueue(practice.pk))
        transaction.on_commit(lambda: practice_moderators_notify_task.enqueue(practice.pk))
    return practice


def practice_publish(
    *, practice: PracticeSubmission, published_on: datetime.date | None = None
) -> PracticeSubmission:
    """Publish a pending (or earlier rejected) practice and record an update on each country."""
    return _status_change(
        practice,
        status=PracticeSubmission.Status.PUBLISHED,
        published_on=published_on or timezone.localdate(),
        rejection_reason="",
    )


def practice_reject(*, practice: PracticeSubmission, reason: str) -> PracticeSubmission:
    """Reject a practice with a reason for the record; a published one is taken offline (and
    its countries get an update)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give a reason for rejecting the practice."))
    return _status_change(
        practice,
        status=PracticeSubmission.Status.REJECTED,
        published_on=None,
        rejection_reason=reason,
    )


def _status_change(
    practice: PracticeSubmission,
    *,
    status: str,
    published_on: datetime.date | None,
    rejection_reason: str,
) -> PracticeSubmission:
    """Lock the practice's countries, then its row (the order of every writer of a country
    page), refuse a change to the status it already has, save the new one, and record an
    update on each country whose page now reads differently."""
    with country_updates_recorded(
        source=CountryUpdate.Source.PRACTICE, countries=countries_shown_with(practice)
    ) as recorder:
        practice = PracticeSubmission.objects.select_for_update().get(pk=practice.pk)
        recorder.watch(countries_shown_with(practice))  # if they changed meanwhile
        if practice.status == status:
            raise ValidationError(
                _("“%(title)s” is already %(status)s."),
                params={"title": practice.title, "status": practice.get_status_display().lower()},
            )
        practice.status = status
        practice.published_on = published_on
        practice.rejection_reason = rejection_reason
        practice.save(update_fields=["status", "published_on", "rejection_reason", "updated_at"])
    return practice
