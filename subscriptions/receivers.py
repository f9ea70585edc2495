"""Receivers of the signals of the apps below (connected in SubscriptionsConfig.ready):
each hands what it receives to a service."""

from __future__ import annotations

from typing import Any

from countries.models import CountryUpdate
from subscriptions import services


def country_update_recorded(sender: type, *, updates: list[CountryUpdate], **kwargs: Any) -> None:
    services.country_updates_deliveries_create(updates=updates)
