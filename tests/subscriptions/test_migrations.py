"""The data step of the migration that adds each subscription's inbox key."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from subscriptions.models import Subscription
from tests.factories import SubscriptionFactory

migration = import_module("subscriptions.migrations.0003_subscription_mailbox")


@pytest.mark.django_db
def test_existing_subscriptions_get_their_inbox_key():
    apps = (
        MigrationExecutor(connection)
        .loader.project_state(("subscriptions", "0003_subscription_mailbox"))
        .apps
    )
    SubscriptionFactory(email="victim1+news@example.net")
    SubscriptionFactory(email="vic.tim@googlemail.com")
    Subscription.objects.update(mailbox="")

    migration.fill_mailboxes(apps, None)

    assert sorted(Subscription.objects.values_list("mailbox", flat=True)) == [
        "victim1@example.net",
        "victim@gmail.com",
    ]
