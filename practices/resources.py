"""Import and export of practices and themes; countries by ISO3 code, themes by slug."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets
from import_export.instance_loaders import CachedInstanceLoader

from countries.resources import CountryPagesResource, countries_field, forum_year_field
from imports.resources import GfmdResource, clean_or_none, related_ids
from imports.widgets import LinksField, NaturalKeysWidget
from practices.models import SUBMITTED_FIELDS, PracticeSubmission, Theme
from practices.services import practice_description_sanitise


class SanitisedHTMLWidget(widgets.Widget):
    """Imported descriptions obey the same HTML rules as the form and the admin."""

    def clean(self, value, row=None, **kwargs) -> str:
        return practice_description_sanitise(str(value or ""))


class ThemeResource(GfmdResource):
    class Meta:
        model = Theme
        fields = ("slug", "name", "description")
        import_id_fields = ("slug",)


class PracticeResource(CountryPagesResource):
    description = fields.Field(
        attribute="description", column_name="description", widget=SanitisedHTMLWidget()
    )
    countries = countries_field("countries")
    themes = LinksField(
        attribute="themes",
        column_name="themes",
        widget=NaturalKeysWidget(Theme, "slug", noun=_("theme")),
    )
    forum_year = forum_year_field()
    export_select_related = ("forum_year",)
    export_prefetch_related = ("countries", "themes")

    class Meta:
        model = PracticeSubmission
        fields = (
            "slug",
            *SUBMITTED_FIELDS,
            "submitted_on",
            "status",
            "rejection_reason",
            "published_on",
        )
        import_id_fields = ("slug",)
        # One query for every practice the file names, not one a row.
        instance_loader_class = CachedInstanceLoader
        use_bulk = True
        batch_size = 500

    def get_queryset(self):
        return super().get_queryset().prefetch_related("countries", "themes")

    def affected_countries(self, instance: PracticeSubmission, row: dict) -> set[int]:
        stored = related_ids(instance.countries.all()) if instance.pk else set()
        return stored | related_ids(clean_or_none(self, "countries", row))
