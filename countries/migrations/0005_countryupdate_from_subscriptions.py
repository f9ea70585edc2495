"""The record of a country's changes moves from subscriptions to countries (issue 11).

A country's page lists its recent updates, so the record belongs to the country; the
subscriptions app delivers from it. This migration only tells Django's state that the
model is here, on its existing table; subscriptions 0007 lets go of it, and 0006 gives the
table and its index this app's names and moves the content type (with the permissions and
groups that use it). No row is copied.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("countries", "0004_attendance_contribution_recorded"),
        ("subscriptions", "0006_delivery_attempts_and_retries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CountryUpdate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "summary",
                            models.TextField(
                                help_text="What changed, in words a reader understands.",
                                verbose_name="summary",
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("admin", "Edited in the admin"),
                                    ("practice", "Practice moderated"),
                                    ("import", "Imported"),
                                    ("data_load", "Reference data loaded"),
                                ],
                                max_length=20,
                                verbose_name="source",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                auto_now_add=True, db_index=True, verbose_name="recorded at"
                            ),
                        ),
                        (
                            "country",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="updates",
                                to="countries.country",
                                verbose_name="country",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "country update",
                        "verbose_name_plural": "country updates",
                        "ordering": ["-created_at", "-pk"],
                        "db_table": "subscriptions_countryupdate",
                        "indexes": [
                            models.Index(
                                fields=["country", "-created_at"],
                                name="subscriptio_country_f87f42_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
