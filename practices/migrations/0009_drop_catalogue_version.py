"""The practice list's cache follows the public data's version (core.data_version) instead
of migration 0007's one-row table: the statement triggers that updated that row made every
writer to six tables wait until the previous one committed."""

from importlib import import_module

from django.db import migrations

from practices.db import postgresql_only

catalogue_version = import_module("practices.migrations.0007_catalogue_version")


class Migration(migrations.Migration):
    dependencies = [("practices", "0008_moderators_view_and_moderate_only")]

    operations = [
        postgresql_only(catalogue_version.DROP_SQL, catalogue_version.CREATE_SQL),
    ]
