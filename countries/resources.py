"""Import and export of countries and their GFMD records, in columns a person can type:
ISO3 codes, forum-year labels, roundtable numbers and meeting titles within their year."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from countries import geo
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
from imports.widgets import (
    LinksField,
    NaturalKeysWidget,
    NaturalKeyWidget,
    NumberWidget,
    cell_text,
)
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


class CoordinateWidget(NumberWidget):
    """Decimal degrees (32.5, -5), as exported, or degrees and minutes as the Factbook and
    countries/data/countries.csv write them ("32 30 N", "5 00 W")."""

    def __init__(self, hemispheres: str):
        super().__init__()
        self.hemispheres = hemispheres

    def clean(self, value: Any, row: dict | None = None, **kwargs) -> Any:
        text = cell_text(value)
        if not text[-1:].isalpha():
            return super().clean(value, row, **kwargs)
        if text[-1] not in self.hemispheres:
            raise ValueError(
                gettext("'%(value)s' must end in %(first)s or %(second)s")
                % {"value": text, "first": self.hemispheres[0], "second": self.hemispheres[1]}
            )
        return geo.parse_dms(text)


def coordinate_field(attribute: str, hemispheres: str) -> Field:
    return Field(attribute=attribute, column_name=attribute, widget=CoordinateWidget(hemispheres))


class CountryResource(CountryPagesResource):
    latitude = coordinate_field("latitude", "NS")
    longitude = coordinate_field("longitude", "EW")

    # A country's page is watched only when its row is saved (the stored values are still
    # those before the row), not for each of 249 unchanged rows: a country row never moves
    # to another country, and reading a page twice a row made a rerun of the reference data
    # take seconds.
    def after_init_instance(self, instance: models.Model, new: bool, row: dict, **kwargs) -> None:
        pass

    def before_save_instance(self, instance: models.Model, row: dict, **kwargs) -> None:
        super().before_save_instance(instance, row, **kwargs)
        if self.recorder:
            self.recorder.watch(self.watched_keys(instance, row))

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

    def __init__(self, *, moves: bool = False, **kwargs):
        """`moves`: the file lists every contribution of the countries it names (the
        reference data of load_gfmd_data). A stored contribution that it no longer lists is
        then moved to a listed row that is not stored, of the same country, amount, currency
        and note in another forum year, rather than left beside a new copy. Not for the
        admin's files, which may list only some contributions."""
        super().__init__(**kwargs)
        self.moves = moves
        self.movable: dict[tuple, list[Contribution]] = {}

    @staticmethod
    def yearless(key: dict[str, Any]) -> tuple:
        country = key["country"]
        return (country.pk if country else None, key["amount"], key["currency"], key["note"])

    def before_import(self, dataset, **kwargs) -> None:
        super().before_import(dataset, **kwargs)
        self.movable = {}
        if not self.moves:
            return
        listed = set()
        for values in dataset:
            try:
                key = self.lookup(dict(zip(dataset.headers, values, strict=True)))
            except (ValueError, KeyError):
                continue  # reported by the row's own validation
            listed.add((self.yearless(key), key["forum_year"].pk if key["forum_year"] else None))
        countries = {key[0] for key, _year in listed}
        for stored in Contribution.objects.filter(country__in=countries).order_by("pk"):
            key = (stored.country_id, stored.amount, stored.currency, stored.note)
            if (key, stored.forum_year_id) not in listed:
                self.movable.setdefault(key, []).append(stored)

    def get_bulk_update_fields(self) -> list[str]:
        """A moved contribution changes its forum year, which is part of its import key."""
        fields = super().get_bulk_update_fields()
        return [*fields, "forum_year"] if self.moves else fields

    def get_instance(self, instance_loader, row: dict) -> Contribution | None:
        instance = super().get_instance(instance_loader, row)
        if instance is None and self.movable:
            try:
                candidates = self.movable.get(self.yearless(self.lookup(row)))
            except (ValueError, KeyError):
                return None
            if candidates:
                return candidates.pop(0)
        return instance


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
