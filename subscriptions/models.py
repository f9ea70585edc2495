from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from countries.models import Country


class CountryUpdateQuerySet(models.QuerySet):
    def for_country(self, country: Country) -> CountryUpdateQuerySet:
        return self.filter(country=country)


class CountryUpdate(models.Model):
    """A change that a reader of a country's page would see: the unit of notification."""

    class Source(models.TextChoices):
        ADMIN = "admin", _("Edited in the admin")
        PRACTICE = "practice", _("Practice published")
        IMPORT = "import", _("Imported")
        DATA_LOAD = "data_load", _("Reference data loaded")

    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="updates", verbose_name=_("country")
    )
    summary = models.TextField(
        _("summary"), help_text=_("What changed, in words a reader understands.")
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    objects = CountryUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("country update")
        verbose_name_plural = _("country updates")
        indexes = [models.Index(fields=["country", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.country}: {self.summary[:60]}"
