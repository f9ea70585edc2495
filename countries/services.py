"""The record of a country's changes: one update per change a reader of its page sees.

Every writer of what a country page shows records through here (the admin, moderation, the
import, the reference-data loader), so the summary of a change reads the same whatever made
it. The apps above countries act on an update through `signals.country_update_recorded`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.utils import translation

from countries.models import Country, CountryUpdate
from countries.profile import (
    Snapshot,
    changed_sections,
    describe_profile_changes,
    profile_snapshots,
)
from countries.signals import country_update_recorded

# The site's languages other than English, in which each summary is also written.
TRANSLATED_LANGUAGES = [
    code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE
]


def country_update_record(
    *,
    country: Country,
    summary: str,
    source: str,
    sections: Sequence[str] = (),
    translated_summaries: dict[str, str] | None = None,
) -> CountryUpdate:
    """Record one update for a country; call it inside the transaction of the change.
    `sections`: the ids of the page's sections it changed, in page order (its link goes to
    the first; none: to the top of the page). `summary` is in English;
    `translated_summaries` the same in other languages, by code (missing: English shows).

    `country_update_recorded` is sent in the same transaction: the subscriptions app writes
    the deliveries owed for it there (its outbox), so they commit with the update or not at
    all, and enqueues their sending once the transaction commits.
    """
    [update] = country_updates_record(
        changes=[(country, summary, sections, translated_summaries or {})], source=source
    )
    return update


def country_updates_record(
    *, changes: list[tuple[Country, str, Sequence[str], dict[str, str]]], source: str
) -> list[CountryUpdate]:
    """`country_update_record` of many (country, summary, sections, translated_summaries)
    at once: one insert and one signal for all of them, whatever their number."""
    if not changes:
        return []
    with transaction.atomic():
        updates = CountryUpdate.objects.bulk_create(
            CountryUpdate(
                country=country,
                summary=summary,
                source=source,
                sections=list(sections),
                translated_summaries=translated,
            )
            for country, summary, sections, translated in changes
        )
        country_update_recorded.send(sender=CountryUpdate, updates=updates)
    return updates


class CountryUpdateRecorder:
    """One update per country whose page a change made read differently.

    `watch` locks the rows of the countries a change may show on (in primary-key order, so
    two recorders never wait for each other in a circle) and reads their pages (in English,
    which tells whether a page changed, and in each other language, for the summaries that
    French and Spanish readers get: a summary cannot be translated after the fact); call it
    before the change writes anything those pages show. `record` reads them again and
    records what a reader sees differently. A second save of the same change waits at the
    lock until the first one commits, then reads the page with that change in it, and
    records nothing. Use it inside a transaction; `country_updates_recorded` opens one.
    """

    def __init__(self, *, source: str) -> None:
        self.source = source
        self.before: dict[int, Snapshot] = {}
        self.translated_before: dict[str, dict[int, Snapshot]] = {
            language: {} for language in TRANSLATED_LANGUAGES
        }
        self.updates: list[CountryUpdate] = []

    def watch(self, countries: Iterable[int]) -> None:
        """The pages as they are before this change; a page read once is kept. A few queries
        for all the countries given, however many: watch them together where you can."""
        new = set(countries) - self.before.keys()
        if new:
            locked = Country.objects.select_for_update().filter(pk__in=new).order_by("pk")
            pks = list(locked.values_list("pk", flat=True))
            self.before.update(profile_snapshots(pks))
            for language, snapshots in self.translated_before.items():
                snapshots.update(profile_snapshots(pks, language=language))

    def record(self) -> list[CountryUpdate]:
        """Record an update for each watched country whose page now reads differently."""
        before, self.before = self.before, {}
        translated_before = self.translated_before
        self.translated_before = {language: {} for language in TRANSLATED_LANGUAGES}
        after = profile_snapshots(before)  # not the deleted countries
        # In English whatever the request's (an admin in French): as the snapshots.
        with translation.override(settings.LANGUAGE_CODE):
            summaries = {
                pk: summary
                for pk in sorted(after)
                if (summary := describe_profile_changes(before[pk], after[pk]))
            }
        if not summaries:
            return self.updates
        translated: dict[int, dict[str, str]] = {pk: {} for pk in summaries}
        for language, snapshots in translated_before.items():
            translated_after = profile_snapshots(summaries, language=language)
            with translation.override(language):
                for pk in summaries:
                    translated[pk][language] = describe_profile_changes(
                        snapshots[pk], translated_after[pk]
                    )
        countries = Country.objects.in_bulk(summaries)
        changes = [
            (countries[pk], summary, changed_sections(before[pk], after[pk]), translated[pk])
            for pk, summary in summaries.items()
        ]
        self.updates += country_updates_record(changes=changes, source=self.source)
        return self.updates


@contextmanager
def country_updates_recorded(
    *, source: str, countries: Iterable[int] = ()
) -> Iterator[CountryUpdateRecorder]:
    """A transaction that records the updates its writes make, when they are done:

    with country_updates_recorded(source=..., countries=[morocco.pk]) as recorder:
        ...  # recorder.watch(more) before writing what their pages show
    """
    with transaction.atomic():
        recorder = CountryUpdateRecorder(source=source)
        recorder.watch(countries)
        yield recorder
        recorder.record()
