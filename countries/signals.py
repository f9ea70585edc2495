"""What countries tells the apps above it, which it does not import."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `update` (a CountryUpdate) inside the transaction that records it, so that what
# a receiver writes for it (subscriptions: the deliveries owed to its subscribers) commits or
# rolls back with the update. A receiver only hands the update to its app's service.
country_update_recorded = Signal()
