"""The record of a country's changes: one update per change a reader of its page sees.

Every writer of what a country page shows records through here (the admin, moderation, the
import, the reference-data loader), so the summary of a change reads the same whatever made
it. The apps above countries act on an update through `signals.country_update_recorded`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import transaction

from countries.models import Country, CountryUpdate
from countries.profile import (
    Snapshot,
    changed_sections,
    describe_profile_changes,
    profile_lines,
)
from countries.signals import country_update_recorded


def country_update_record(
    *, country: Country, summary: str, source: str, sections: Sequence[str] = ()
) -> CountryUpdate:
    """Record one update for a country; call it inside the transaction of the change.
    `sections`: the ids of the page's sections it changed, in page order (its link goes to
    the first; none: to the top of the page).

    `country_update_recorded` is sent in the same transaction: the subscriptions app writes
    the deliveries owed for it there (its outbox), so they commit with the update or not at
    all, and enqueues their sending once the transaction commits.
    """
    with transaction.atomic():
        update = CountryUpdate.objects.create(
            country=country, summary=summary, source=source, sections=list(sections)
        )
        country_update_recorded.send(sender=CountryUpdate, update=update)
    return update


class CountryUpdateRecorder:
    """One update per country whose page a change made read differently.

    `watch` locks the rows of the countries a change may show on (in primary-key order, so
    two recorders never wait for each other in a circle) and reads their pages; call it
    before the change writes anything those pages show. `record` reads them again and
    records what a reader sees differently. A second save of the same change waits at the
    lock until the first one commits, then reads the page with that change in it, and
    records nothing. Use it inside a transaction; `country_updates_recorded` opens one.
    """

    def __init__(self, *, source: str) -> None:
        self.source = source
        self.before: dict[int, Snapshot] = {}
        self.updates: list[CountryUpdate] = []

    def watch(self, countries: Iterable[int]) -> None:
        """The pages as they are before this change; a page read once is kept."""
        new = set(countries) - self.before.keys()
        if new:
            for country in Country.objects.select_for_update().filter(pk__in=new).order_by("pk"):
                self.before[country.pk] = profile_lines(country)

    def record(self) -> list[CountryUpdate]:
        """Record an update for each watched country whose page now reads differently."""
        before, self.before = self.before, {}
        for country in Country.objects.filter(pk__in=before).order_by("pk"):  # not the deleted
            after = profile_lines(country)
            summary = describe_profile_changes(before[country.pk], after)
            if summary:
                self.updates.append(
                    country_update_record(
                        country=country,
                        summary=summary,
                        source=self.source,
                        sections=changed_sections(before[country.pk], after),
                    )
                )
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
