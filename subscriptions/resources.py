"""Export of subscriptions (never imported: every address must confirm for itself).

The secret that signs an address's links stays out of every export.
"""

from __future__ import annotations

from countries.models import CountryUpdate
from countries.resources import country_field
from imports.resources import GfmdResource
from subscriptions.models import Subscription


class SubscriptionResource(GfmdResource):
    country = country_field()
    export_select_related = ("country",)

    class Meta:
        model = Subscription
        fields = (
            "email",
            "country",
            "frequency",
            "status",
            "created_at",
            "confirmed_at",
            "unsubscribed_at",
        )
        export_order = fields


class CountryUpdateResource(GfmdResource):
    """Export of the record of country updates, for the open data downloads (/data/)."""

    country = country_field()
    export_select_related = ("country",)

    class Meta:
        model = CountryUpdate
        fields = ("country", "created_at", "source", "summary")
        export_order = fields
