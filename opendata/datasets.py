"""The open data set: one table a record type, in the columns of the admin's export.

Each record type names the resource of its app (`countries/resources.py`,
`practices/resources.py`, `subscriptions/resources.py`): the downloads on /data/ and a
country's profile files are that resource's export, so that a downloaded CSV imports back
through the admin unchanged. Only what the public pages show is published: practices that
are published, without the submitter's email address, the status or a reason for rejection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import tablib
from django.db.models import QuerySet
from django.utils import translation
from import_export.resources import ModelResource

from core.data_version import data_version as public_data_version
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
from countries.resources import (
    AttendanceResource,
    ContributionResource,
    CountryResource,
    ForumYearResource,
    RoundtableResource,
    RoundtableRoleResource,
    ThematicMeetingParticipationResource,
    ThematicMeetingResource,
)
from practices.models import PracticeSubmission, Theme
from practices.resources import PracticeResource, ThemeResource
from subscriptions.resources import CountryUpdateResource

# Columns of the admin's practice export that the public never sees.
PRIVATE_PRACTICE_COLUMNS = ("submitter_email", "status", "rejection_reason")
# Bump when the columns of a download change: the cached files are then built anew.
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RecordType:
    name: str  # the file name without extension, and the key in the JSON document
    title: str
    resource: type[ModelResource]
    everything: Callable[[], QuerySet]
    # The records of one country's profile; None where a profile has none of this type.
    of_country: Callable[[Country], QuerySet] | None
    hidden_columns: tuple[str, ...] = ()

    def columns(self) -> list[str]:
        return list(_public_columns(self))

    def export(self, queryset: QuerySet, *, native: bool = False) -> tablib.Dataset:
        """The admin's export of these records, public columns only, in English (choice
        labels and yes/no are words)."""
        resource = self.resource()
        selected = [
            name
            for name, field in resource.fields.items()
            if field.column_name not in self.hidden_columns
        ]
        with translation.override("en"):
            return resource.export(queryset, export_fields=selected, force_native_type=native)


@cache
def _public_columns(record_type: RecordType) -> tuple[str, ...]:
    """Once a process: the columns are the resource's code, not data, and making a resource
    deep-copies each of its fields (3 ms for the eleven record types on /data/)."""
    resource = record_type.resource()
    return tuple(
        field.column_name
        for field in resource.get_export_fields()
        if field.column_name not in record_type.hidden_columns
    )


def _published_practices() -> QuerySet:
    return PracticeSubmission.objects.published().order_by("slug")


RECORD_TYPES: list[RecordType] = [
    RecordType(
        "countries",
        "Countries",
        CountryResource,
        lambda: Country.objects.order_by("iso3"),
        lambda country: Country.objects.filter(pk=country.pk),
    ),
    RecordType(
        "forum_years",
        "Forum years",
        ForumYearResource,
        lambda: ForumYear.objects.order_by("sort_year", "label"),
        None,
    ),
    RecordType(
        "roundtables",
        "Roundtables",
        RoundtableResource,
        lambda: Roundtable.objects.order_by("forum_year__sort_year", "number", "pk"),
        None,
    ),
    RecordType(
        "attendance",
        "Attendance",
        AttendanceResource,
        lambda: Attendance.objects.order_by("forum_year__sort_year", "country__iso3"),
        lambda country: Attendance.objects.filter(country=country).order_by(
            "forum_year__sort_year"
        ),
    ),
    RecordType(
        "roundtable_roles",
        "Roundtable roles",
        RoundtableRoleResource,
        lambda: RoundtableRole.objects.order_by("forum_year__sort_year", "country__iso3", "pk"),
        lambda country: RoundtableRole.objects.filter(country=country).order_by(
            "forum_year__sort_year", "pk"
        ),
    ),
    RecordType(
        "thematic_meetings",
        "Thematic meetings",
        ThematicMeetingResource,
        lambda: ThematicMeeting.objects.order_by("forum_year__sort_year", "start_date", "pk"),
        lambda country: ThematicMeeting.objects.filter(participations__country=country).order_by(
            "forum_year__sort_year", "start_date", "pk"
        ),
    ),
    RecordType(
        "thematic_participations",
        "Thematic meeting participations",
        ThematicMeetingParticipationResource,
        lambda: ThematicMeetingParticipation.objects.order_by(
            "meeting__forum_year__sort_year", "meeting__start_date", "pk"
        ),
        lambda country: ThematicMeetingParticipation.objects.filter(country=country).order_by(
            "meeting__forum_year__sort_year", "meeting__start_date", "pk"
        ),
    ),
    RecordType(
        "contributions",
        "Financial contributions",
        ContributionResource,
        lambda: Contribution.objects.order_by("forum_year__sort_year", "country__iso3", "pk"),
        lambda country: Contribution.objects.filter(country=country).order_by(
            "forum_year__sort_year", "pk"
        ),
    ),
    RecordType("themes", "Themes", ThemeResource, lambda: Theme.objects.order_by("slug"), None),
    RecordType(
        "practices",
        "Practices (published)",
        PracticeResource,
        _published_practices,
        lambda country: _published_practices().filter(countries=country),
        hidden_columns=PRIVATE_PRACTICE_COLUMNS,
    ),
    RecordType(
        "country_updates",
        "Country updates",
        CountryUpdateResource,
        lambda: CountryUpdate.objects.order_by("created_at", "pk"),
        lambda country: CountryUpdate.objects.filter(country=country).order_by("created_at", "pk"),
    ),
]
RECORD_TYPES_BY_NAME = {record_type.name: record_type for record_type in RECORD_TYPES}


# --- The version of the data ----------------------------------------------------------------


def data_version() -> str:
    """Moves with every committed write to the public data (core.data_version, which sees
    bulk updates too) and with FORMAT_VERSION; the downloads are built once per version."""
    return f"{FORMAT_VERSION}-{public_data_version()}"
