"""The country updates' table and index take this app's names, and their content type moves
here, so the permissions that name it ("view country update", held by the Editors group)
and the admin's log entries follow the model. Rows and foreign keys are kept as they are."""

from django.db import migrations

OLD_INDEX = "subscriptio_country_f87f42_idx"
NEW_INDEX = "countries_c_country_59936e_idx"


def content_type_move(from_app: str, to_app: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        types = ContentType.objects.using(schema_editor.connection.alias)
        old = types.filter(app_label=from_app, model="countryupdate").first()
        if old is None:
            return  # a database that never had one: post_migrate creates it
        # One created meanwhile by post_migrate (a partial migrate) holds only fresh
        # permissions; the old one holds those the groups were given.
        types.filter(app_label=to_app, model="countryupdate").delete()
        old.app_label = to_app
        old.save(update_fields=["app_label"])

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("countries", "0005_countryupdate_from_subscriptions"),
        ("subscriptions", "0007_countryupdate_to_countries"),
    ]

    operations = [
        migrations.AlterModelTable(name="countryupdate", table=None),
        migrations.RenameIndex(model_name="countryupdate", new_name=NEW_INDEX, old_name=OLD_INDEX),
        migrations.RunPython(
            content_type_move("subscriptions", "countries"),
            content_type_move("countries", "subscriptions"),
        ),
    ]
