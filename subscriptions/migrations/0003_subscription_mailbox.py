"""Each subscription's inbox key (core.mailboxes.mailbox_key), for the daily confirmation
limits, filled in for the existing rows."""

from django.db import migrations, models

from core.mailboxes import mailbox_key


def fill_mailboxes(apps, schema_editor):
    Subscription = apps.get_model("subscriptions", "Subscription")
    subscriptions = list(Subscription.objects.only("email"))
    for subscription in subscriptions:
        subscription.mailbox = mailbox_key(subscription.email)
    Subscription.objects.bulk_update(subscriptions, ["mailbox"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0002_subscriptions_and_deliveries"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="mailbox",
            field=models.CharField(
                default="",
                editable=False,
                help_text=(
                    "The inbox the address reaches (without a +tag): the daily limits on "
                    "confirmations count by it, whatever the spelling."
                ),
                max_length=254,
                verbose_name="inbox",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="subscription",
            name="email",
            field=models.EmailField(
                help_text="Stored as it is sent: in lower case, the domain in ASCII.",
                max_length=254,
                verbose_name="email address",
            ),
        ),
        migrations.RunPython(fill_mailboxes, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="subscription",
            index=models.Index(
                fields=["mailbox", "confirmation_sent_at"], name="subscriptio_mailbox_ca3945_idx"
            ),
        ),
    ]
