"""Each published practice's themes and regions also as one text key (the arrays' text form).

The list's facets count matches per combination of themes and regions before unnesting the
few combinations (practices.filters.SUMMARY_SQL). Grouping 80,000 matches by two arrays
hashed every element of both arrays for each row; by the arrays' text forms it hashes two
short strings, about half the time. The text form is exact (`'{3,5}'::bigint[]` gives the
array back). The keys are generated columns, so every write of the copy keeps them (the
refresh function of migration 0010 is unchanged); adding them rewrites the table once.
"""

from django.db import migrations

from practices.db import postgresql_only

# A generated column's expression must be immutable, and an array's text form is only
# stable in general (some element types print by the session's settings); the text of
# bigints and strings depends on no setting.
KEY_FUNCTIONS = """
CREATE FUNCTION practices_publishedsearch_key(bigint[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT $1::text $$;
CREATE FUNCTION practices_publishedsearch_key(varchar[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT $1::text $$;
"""

# The list without a keyword reads every row from this index (an index-only scan).
COVERING_INDEX = """
DROP INDEX practices_publishedsearch_covering;
CREATE INDEX practices_publishedsearch_covering ON practices_publishedsearch
    (published_on DESC NULLS LAST, practice_id DESC)
    INCLUDE (title, submitted_on, forum_year_id, country_ids, theme_ids, regions{keys});
"""

FORWARD_SQL = (
    KEY_FUNCTIONS
    + """
ALTER TABLE practices_publishedsearch
    ADD COLUMN theme_key text NOT NULL
        GENERATED ALWAYS AS (practices_publishedsearch_key(theme_ids)) STORED,
    ADD COLUMN region_key text NOT NULL
        GENERATED ALWAYS AS (practices_publishedsearch_key(regions)) STORED;
"""
    + COVERING_INDEX.format(keys=", theme_key, region_key")
    + "ANALYZE practices_publishedsearch;"
)

BACKWARD_SQL = COVERING_INDEX.format(keys="") + (
    """
ALTER TABLE practices_publishedsearch DROP COLUMN theme_key, DROP COLUMN region_key;
DROP FUNCTION practices_publishedsearch_key(bigint[]);
DROP FUNCTION practices_publishedsearch_key(varchar[]);
"""
)


class Migration(migrations.Migration):
    dependencies = [("practices", "0010_published_search")]

    operations = [postgresql_only(FORWARD_SQL, BACKWARD_SQL)]
