from __future__ import annotations

from countries.models import Country
from subscriptions.models import CountryUpdate


def country_update_record(*, country: Country, summary: str, source: str) -> CountryUpdate:
    """Record one update for a country; call it inside the transaction of the change."""
    return CountryUpdate.objects.create(country=country, summary=summary, source=source)
