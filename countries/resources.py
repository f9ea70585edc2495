"""Import and export of countries and their GFMD records, in columns a person can type:
ISO3 codes, forum-year labels, roundtable numbers and meeting titles within their year."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

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
from countries.profile import countries_shown_with
from countries.services import CountryUpdateRecorder
from imports.resources import GfmdResource, clean_or_none, related_ids
from imports.widgets import LinksField, NaturalKeysWidget, NaturalKeyWidget, cell_text
from imports.workbooks import Sheet, Workbook


def country_field(attribute: str = "country") -> Field:
    return Field(
        attribute=attribute,
        column_name=attribute,
        widget=NaturalKeyWidget(Country, "iso3", noun=_("country code"), upper=True),
    )


def countries_field(attribute: str) -> Field:
    return LinksField(
        attribute=attribute,
        column_name=attribute,
        widget=NaturalKeysWidget(Country, "iso3", noun=_("country code"), upper=True),
    )


def forum_year_field() -> Field:
    return Field(
        attribute="forum_year",
        column_name="forum_year",
        widget=NaturalKeyWidget(ForumYear, "label", noun=_("forum year")),
    )


class CountryPagesResource(GfmdResource):
    """Records shown on country pages: a confirmed import records one country update per
    country whose page it changed, naming the import as the source."""

    def get_change_recorder(self) -> CountryUpdateRecorder:
        return CountryUpdateRecorder(source=CountryUpdate.Source.IMPORT)

    def watched_keys(self, instance: models.Model, row: dict) -> set[int]:
        return self.affected_countries(instance, row)

    def affected_countries(self, instance: models.Model, row: dict) -> set[int]:
        """Primary keys of the countries whose page this row may change, before it is written:
        those showing the record as stored; subclasses add what the row's columns name."""
        return countries_shown_with(instance)


class InYearWidget(NaturalKeyWidget):
    """A record named within the row's forum year: roundtable "1.2", a meeting's title."""

    def scope(self, row: dict | None) -> dict[str, Any]:
        return {"forum_year__label": cell_text((row or {}).get("forum_year"))}

    def unknown_message(self, key: str, row: dict | None) -> str:
        return gettext("unknown %(noun)s '%(key)s' in forum year %(year)s") % {
            "noun": self.noun,
            "key": key,
            "year": cell_text((row or {}).get("forum_year")) or "''",
        }


class CountryRecordResource(CountryPagesResource):
    """Records that belong to one country, named in the `country` column."""

    country = country_field()

    def affected_countries(self, instance: models.Model, row: dict) -> set[int]:
        return super().affected_countries(instance, row) | related_ids(
            clean_or_none(self, "country", row)
        )


class CountryResource(CountryPagesResource):
    class Meta:
        model = Country
        fields = (
            "iso3",
            "iso2",
            "name",
            "slug",
            "official_name",
            "latitude",
            "longitude",
            "region",
            "subregion",
        )
        import_id_fields = ("iso3",)


class ForumYearResource(CountryPagesResource):
    chairs = countries_field("chairs")
    export_prefetch_related = ("chairs",)

    class Meta:
        model = ForumYear
        fields = (
            "label",
            "sort_year",
            "chairs",
            "summit_city",
            "summit_start",
            "summit_end",
            "notes",
        )
        import_id_fields = ("label",)


class RoundtableResource(CountryPagesResource):
    forum_year = forum_year_field()
    export_select_related = ("forum_year",)

    class Meta:
        model = Roundtable
        fields = ("forum_year", "number", "title")
        import_id_fields = ("forum_year", "number")

    def lookup(self, row: dict) -> dict[str, Any]:
        """(forum year, number); an unnumbered session has no number and goes by its title."""
        lookup = super().lookup(row)
        if not lookup["number"]:
            lookup["title"] = self.fields["title"].clean(row)
        return lookup


class RoundtableRoleResource(CountryRecordResource):
    forum_year = forum_year_field()
    roundtable = Field(
        attribute="roundtable",
        column_name="roundtable",
        widget=InYearWidget(Roundtable, "number", noun=_("roundtable")),
    )
    export_select_related = ("country", "forum_year", "roundtable")

    class Meta:
        model = RoundtableRole
        fields = ("country", "forum_year", "role", "roundtable", "session")
        import_id_fields = ("country", "forum_year", "roundtable", "session")


class AttendanceResource(CountryRecordResource):
    forum_year = forum_year_field()
    export_select_related = ("country", "forum_year")

    class Meta:
        model = Attendance
        fields = (
            "country",
            "forum_year",
            "attended_meeting",
            "attended_prep_meetings",
            "attended_summit",
            "contribution_recorded",
        )
        import_id_fields = ("country", "forum_year")


class ThematicMeetingResource(CountryPagesResource):
    forum_year = forum_year_field()
    host_country = country_field("host_country")
    export_select_related = ("forum_year", "host_country")

    class Meta:
        model = ThematicMeeting
        fields = ("forum_year", "title", "kind", "start_date", "end_date", "city", "host_country")
        import_id_fields = ("forum_year", "title")


class ThematicMeetingParticipationResource(CountryRecordResource):
    forum_year = Field(
        attribute="meeting__forum_year__label", column_name="forum_year", readonly=True
    )
    meeting = Field(
        attribute="meeting",
        column_name="meeting",
        widget=InYearWidget(ThematicMeeting, "title", noun=_("thematic meeting")),
    )
    context_columns = ("forum_year",)
    export_select_related = ("country", "meeting__forum_year")

    class Meta:
        model = ThematicMeetingParticipation
        fields = ("forum_year", "meeting", "country", "role")
        import_id_fields = ("meeting", "country")


class ContributionResource(CountryRecordResource):
    """A contribution has no name of its own: a row matches a stored one when country, year,
    amount, currency and note all agree; otherwise it is a new contribution."""

    forum_year = forum_year_field()
    export_select_related = ("country", "forum_year")

    class Meta:
        model = Contribution
        fields = ("country", "forum_year", "amount", "currency", "earmarked", "note")
        import_id_fields = ("country", "forum_year", "amount", "currency", "note")


#: The whole profile of one country, as the "Export profile" button of its admin page gives
#: it and as its import page takes it back; the practices app adds its sheet (PracticesConfig).
PROFILE_WORKBOOK = Workbook(
    [
        Sheet(_("Country"), CountryResource, lambda country: Country.objects.filter(pk=country.pk)),
        Sheet(_("Attendance"), AttendanceResource, lambda c: Attendance.objects.filter(country=c)),
        Sheet(
            _("Roundtable roles"),
            RoundtableRoleResource,
            lambda country: RoundtableRole.objects.filter(country=country),
        ),
        Sheet(
            _("Thematic meetings"),
            ThematicMeetingResource,
            lambda country: ThematicMeeting.objects.filter(participations__country=country),
        ),
        Sheet(
            _("Thematic participations"),
            ThematicMeetingParticipationResource,
            lambda country: ThematicMeetingParticipation.objects.filter(country=country),
        ),
        Sheet(
            _("Contributions"),
            ContributionResource,
            lambda country: Contribution.objects.filter(country=country),
        ),
    ]
)


# The countries' import page takes a whole profile workbook back through one upload.
CountryResource.workbook = PROFILE_WORKBOOK


def profile_workbook(country: Country) -> bytes:
    return PROFILE_WORKBOOK.export(country)
