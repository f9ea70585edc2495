"""A subscription that ended stays on record for its retention period beside a new one:
one pending or active subscription per address and country, any number unsubscribed."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0003_subscription_mailbox"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="subscription",
            name="subscription_one_per_address_and_country",
        ),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                models.F("country"),
                condition=models.Q(("status", "unsubscribed"), _negated=True),
                name="subscription_one_live_per_address_and_country",
            ),
        ),
    ]
