"""A counter that PostgreSQL bumps on every change to what the practice list shows.

The list caches its expensive parts (result ids, counts, facet counts) under this version, so
a cached page can never be stale: any insert, update, delete or truncate of practices, their
countries and themes, themes, countries or forum years (through the admin, the importer, a raw
load) moves the counter, and the next request computes afresh. Statement-level triggers: one
bump per statement, however many rows. On SQLite the migration does nothing and the list is
computed on every request.
"""

from django.db import migrations

from practices.db import postgresql_only

TABLES = [
    "practices_practicesubmission",
    "practices_practicesubmission_countries",
    "practices_practicesubmission_themes",
    "practices_theme",
    "countries_country",
    "countries_forumyear",
]

CREATE_SQL = """
CREATE TABLE practices_catalogue_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO practices_catalogue_version VALUES (1, 1);
CREATE FUNCTION practices_catalogue_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE practices_catalogue_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
""" + "".join(
    f"""
CREATE TRIGGER practices_catalogue_version_bump
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION practices_catalogue_version_bump();
"""
    for table in TABLES
)

DROP_SQL = "".join(
    f"DROP TRIGGER IF EXISTS practices_catalogue_version_bump ON {table};\n" for table in TABLES
) + """
DROP FUNCTION IF EXISTS practices_catalogue_version_bump();
DROP TABLE IF EXISTS practices_catalogue_version;
"""



class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0006_list_order_indexes"),
        ("countries", "0001_initial"),
    ]

    operations = [
        postgresql_only(CREATE_SQL, DROP_SQL),
    ]
