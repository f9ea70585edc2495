"""Background tasks (django-tasks): each loads its objects and calls subscriptions.sending.

Run in-process by the ImmediateBackend locally and in tests; in production by
`manage.py run_worker` with TASKS_BACKEND=django_tasks_db.DatabaseBackend.
"""

from __future__ import annotations

from django_tasks import task

from countries.models import CountryUpdate
from subscriptions import sending
from subscriptions.models import Subscription


@task()
def send_confirmation(subscription_id: int) -> bool:
    subscription = Subscription.objects.select_related("country").filter(pk=subscription_id)
    if not (found := subscription.first()):
        return False  # purged before the worker got to it
    return sending.subscription_confirmation_send(subscription=found)


@task()
def send_update_notifications(update_id: int) -> int:
    update = CountryUpdate.objects.filter(pk=update_id).first()
    if update is None:
        return 0
    return sending.deliveries_send(update=update).sent


@task()
def send_pending_deliveries() -> int:
    """The sweep: whatever an interrupted sender left pending."""
    return sending.deliveries_send().sent


@task()
def send_weekly_digests() -> int:
    return sending.digests_send_due().sent
