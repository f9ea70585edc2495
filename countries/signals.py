"""What countries tells the apps above it, which it does not import."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `updates` (a list of CountryUpdate, one or many recorded at once: an import
# records one for each country it changed) inside the transaction that records them, so
# that what a receiver writes for them (subscriptions: the deliveries owed to their
# subscribers) commits or rolls back with them. A receiver hands them to its app's service,
# which deals with all of them in a few queries, not a few queries each.
country_update_recorded = Signal()
