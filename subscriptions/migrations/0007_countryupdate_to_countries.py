"""CountryUpdate now lives in countries (countries 0005): deliveries point at it there, and
this app's state lets go of the model. Nothing changes in the database: the table, its rows
and the deliveries' foreign key stay as they are (countries 0006 renames the table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("countries", "0005_countryupdate_from_subscriptions"),
        ("subscriptions", "0006_delivery_attempts_and_retries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="delivery",
                    name="update",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="The update of an immediate notification; empty for a digest.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="countries.countryupdate",
                        verbose_name="update",
                    ),
                ),
                migrations.DeleteModel(name="CountryUpdate"),
            ],
            database_operations=[],
        ),
    ]
