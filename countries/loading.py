"""Writing a checked data set (countries.datafiles) into the database, idempotently.

Rows are matched by natural keys (ISO3 code, forum-year label, roundtable number, ...), so a
database that editors have worked on can be loaded again: what the files say is created or
brought back to the files' values, nothing is deleted, and a second run writes nothing at
all (no history rows, no country updates).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q
from simple_history.utils import bulk_create_with_history

from countries.datafiles import DataSet
from countries.models import (
    Attendance,
    Contribution,
    Country,
    CountryUpdate,
    ForumYear,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
)
from countries.services import CountryUpdateRecorder, country_updates_recorded
from practices.models import PracticeSubmission

CHANGE_REASON = "Reference data loaded (load_gfmd_data)"
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Wanted:
    """One row as the files want it: field values (by attname) and many-to-many ids."""

    label: str
    values: dict[str, Any]
    relations: dict[str, set[int]] = field(default_factory=dict)


@dataclass
class Tally:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.kind}: created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}"
        )


@dataclass
class LoadReport:
    tallies: list[Tally] = field(default_factory=list)
    updates: list[CountryUpdate] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.updates) or any(t.created or t.updated for t in self.tallies)


def upsert(
    model: type[M],
    *,
    kind: str,
    key: Callable[[dict[str, Any]], Hashable],
    wanted: list[Wanted],
    existing: Iterable[M],
    moved_key: Callable[[dict[str, Any]], Hashable] | None = None,
) -> tuple[Tally, dict[Hashable, M]]:
    """Create what is missing, update what differs, leave the rest untouched.

    `key` gives the natural key of a row's values; `existing` are the stored rows that may
    match (with their many-to-many relations prefetched). New rows are inserted in one
    statement, with their history rows. Returns the tally and every row by its key.

    `moved_key` is the key without the field that may move (the forum year): a stored row
    that the files no longer list is updated into a listed row that is not stored and has
    the same `moved_key`, rather than left beside a new copy.
    """
    tally = Tally(kind)
    if not wanted:
        return tally, {}
    names = list(wanted[0].values)
    objects = {key({name: getattr(obj, name) for name in names}): obj for obj in existing}
    movable: dict[Hashable, list[M]] = {}
    if moved_key:
        wanted_keys = {key(item.values) for item in wanted}
        for obj_key in [obj_key for obj_key in objects if obj_key not in wanted_keys]:
            obj = objects.pop(obj_key)
            values = {name: getattr(obj, name) for name in names}
            movable.setdefault(moved_key(values), []).append(obj)
    new: list[M] = []
    pending_relations: list[tuple[M, str, set[int]]] = []
    for item in wanted:
        obj = objects.get(item_key := key(item.values))
        if obj is None and moved_key and (candidates := movable.get(moved_key(item.values))):
            obj = objects[item_key] = candidates.pop(0)
        if obj is None:
            obj = objects[item_key] = model(**item.values)
            new.append(obj)
            tally.changes.append(f"created {model._meta.verbose_name} {item.label}")
            pending_relations += [(obj, name, ids) for name, ids in item.relations.items() if ids]
            continue
        changed = [name for name, value in item.values.items() if getattr(obj, name) != value]
        relations = [
            (obj, name, ids)
            for name, ids in item.relations.items()
            if {related.pk for related in getattr(obj, name).all()} != ids
        ]
        if not changed and not relations:
            tally.unchanged += 1
            continue
        tally.updated += 1
        what = ", ".join([*changed, *(name for _, name, _ in relations)])
        tally.changes.append(f"updated {model._meta.verbose_name} {item.label}: {what}")
        if changed:
            for name in changed:
                setattr(obj, name, item.values[name])
            obj._change_reason = CHANGE_REASON
            obj.save(update_fields=[*changed, "updated_at"])
        pending_relations += relations
    bulk_create_with_history(new, model, default_change_reason=CHANGE_REASON)
    tally.created = len(new)
    for obj, name, ids in pending_relations:
        getattr(obj, name).set(ids)
    return tally, objects


def gfmd_data_load(*, data: DataSet) -> LoadReport:
    """Load the whole data set in one transaction and record a country update for every
    country whose page now reads differently."""
    with country_updates_recorded(source=CountryUpdate.Source.DATA_LOAD) as recorder:
        report = Loader(data, recorder).run()
    report.updates = recorder.updates
    return report


def roundtable_key(values: dict[str, Any]) -> Hashable:
    """A numbered roundtable is known by its number in its year, any other by its title."""
    if values["number"]:
        return (values["forum_year_id"], values["number"])
    return (values["forum_year_id"], "", values["title"])


def without(record: Any, *names: str) -> dict[str, Any]:
    """A record's values except those the loader turns into ids."""
    return {k: v for k, v in asdict(record).items() if k not in names}


class Loader:
    """One load: countries and forum years first, then the profiles that refer to them."""

    def __init__(self, data: DataSet, recorder: CountryUpdateRecorder) -> None:
        self.data = data
        self.recorder = recorder
        self.report = LoadReport()

    def upsert(
        self,
        model: type[M],
        kind: str,
        key: Callable[[dict[str, Any]], Hashable],
        wanted: list[Wanted],
        existing: Iterable[M],
        moved_key: Callable[[dict[str, Any]], Hashable] | None = None,
    ) -> dict[Hashable, M]:
        tally, objects = upsert(
            model, kind=kind, key=key, wanted=wanted, existing=existing, moved_key=moved_key
        )
        self.report.tallies.append(tally)
        return objects

    def run(self) -> LoadReport:
        data = self.data
        # The pages before anything they show changes: the countries there are, then those
        # the load creates (whose page so far shows only what the files say of the country).
        self.recorder.watch(
            Country.objects.filter(iso3__in=data.profile_countries).values_list("pk", flat=True)
        )
        countries = self.upsert(
            Country,
            "countries",
            itemgetter("iso3"),
            [Wanted(r.iso3, asdict(r)) for r in data.countries],
            Country.objects.all(),
        )
        self.country_ids = {iso3: country.pk for iso3, country in countries.items()}
        forum_years = self.upsert(
            ForumYear,
            "forum years",
            itemgetter("label"),
            [
                Wanted(r.label, without(r, "chairs"), {"chairs": self.ids_of(r.chairs)})
                for r in data.forum_years
            ],
            ForumYear.objects.prefetch_related("chairs"),
        )
        self.year_ids = {label: year.pk for label, year in forum_years.items()}

        self.recorder.watch(self.ids_of(data.profile_countries))
        self.load_profiles()
        return self.report

    def ids_of(self, codes: Iterable[str]) -> set[int]:
        return {self.country_ids[iso3] for iso3 in codes}

    def linked(self, record: Any) -> dict[str, Any]:
        """A record's country and forum year as the ids the models store."""
        return {
            "country_id": self.country_ids[record.country],
            "forum_year_id": self.year_ids[record.forum_year],
        }

    def load_profiles(self) -> None:
        data, year_ids = self.data, self.year_ids
        in_files = Q(country__in=self.ids_of(data.profile_countries))

        roundtables = self.upsert(
            Roundtable,
            "roundtables",
            roundtable_key,
            [
                Wanted(
                    f"{r.forum_year} {r.number or r.title}",
                    {"forum_year_id": year_ids[r.forum_year], "number": r.number, "title": r.title},
                )
                for r in data.roundtables
            ],
            Roundtable.objects.all(),
        )
        self.upsert(
            Attendance,
            "attendance",
            itemgetter("country_id", "forum_year_id"),
            [
                Wanted(
                    f"{r.country} {r.forum_year}",
                    {**self.linked(r), **without(r, "country", "forum_year")},
                )
                for r in data.attendance
            ],
            Attendance.objects.filter(in_files),
        )
        self.upsert(
            RoundtableRole,
            "roundtable roles",
            itemgetter("country_id", "forum_year_id", "role", "roundtable_id", "session"),
            [
                Wanted(
                    f"{r.country} {r.forum_year} {r.role} {r.roundtable or r.session}".rstrip(),
                    {
                        **self.linked(r),
                        "role": r.role,
                        "roundtable_id": (
                            roundtables[(year_ids[r.forum_year], r.roundtable)].pk
                            if r.roundtable
                            else None
                        ),
                        "session": r.session,
                    },
                )
                for r in data.roundtable_roles
            ],
            RoundtableRole.objects.filter(in_files),
        )
        meetings = self.upsert(
            ThematicMeeting,
            "thematic meetings",
            itemgetter("forum_year_id", "title"),
            [
                Wanted(
                    f'{r.forum_year} "{r.title}"',
                    {
                        **without(r, "forum_year", "host_country"),
                        "forum_year_id": year_ids[r.forum_year],
                        "host_country_id": self.country_ids.get(r.host_country),
                    },
                )
                for r in data.thematic_meetings
            ],
            ThematicMeeting.objects.all(),
        )
        self.upsert(
            ThematicMeetingParticipation,
            "thematic meeting participations",
            itemgetter("meeting_id", "country_id"),
            [
                Wanted(
                    f'{r.country} "{r.meeting}"',
                    {
                        "meeting_id": meetings[(year_ids[r.forum_year], r.meeting)].pk,
                        "country_id": self.country_ids[r.country],
                        "role": r.role,
                    },
                )
                for r in data.thematic_participations
            ],
            ThematicMeetingParticipation.objects.filter(in_files),
        )
        self.upsert(
            Contribution,
            "contributions",
            itemgetter("country_id", "forum_year_id", "amount", "currency", "note"),
            [
                Wanted(
                    " ".join(
                        filter(
                            None, [r.country, r.forum_year, r.currency, str(r.amount or ""), r.note]
                        )
                    ),
                    {**without(r, "country", "forum_year"), **self.linked(r)},
                )
                for r in data.contributions
            ],
            Contribution.objects.filter(in_files),
            moved_key=itemgetter("country_id", "amount", "currency", "note"),
        )
        self.upsert(
            PracticeSubmission,
            "practices",
            itemgetter("slug"),
            [
                Wanted(r.slug, without(r, "countries"), {"countries": self.ids_of(r.countries)})
                for r in data.practices
            ],
            PracticeSubmission.objects.filter(
                slug__in=[r.slug for r in data.practices]
            ).prefetch_related("countries"),
        )
