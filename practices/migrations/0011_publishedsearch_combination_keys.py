"""Each published practice's themes and regions also as one text key (the arrays' text form).

The list's facets count matches per combination of themes, regions and forum year before
unnesting the few combinations (practices.filters.SUMMARY_SQL). Grouping 80,000 matches by
two arrays hashed every element of both arrays for each row; by the arrays' text forms it
hashes two short strings, about half the time. The text form is exact (`'{3,5}'::bigint[]`
gives the array back), and the refresh function sorts the arrays so that one combination has
one key. The covering index carries the keys for the list without a keyword.
"""

from django.db import migrations

from practices.db import postgresql_only

REFRESH_SQL = """
CREATE OR REPLACE FUNCTION practices_publishedsearch_refresh(practice_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    -- Writers of one practice (its row, its links) take turns from here, and each statement
    -- below reads afresh (READ COMMITTED): the last to commit writes what all committed.
    SELECT FROM practices_practicesubmission WHERE id = ANY(practice_ids) ORDER BY id
        FOR NO KEY UPDATE;
    DELETE FROM practices_publishedsearch WHERE practice_id = ANY(practice_ids);
    INSERT INTO practices_publishedsearch
    SELECT entry.*KEYS FROM (
        SELECT practice.id, practice.title, practice.published_on, practice.submitted_on,
            practice.forum_year_id,
            ARRAY(SELECT country_id FROM practices_practicesubmission_countries
                  WHERE practicesubmission_id = practice.id ORDER BY country_id) AS country_ids,
            ARRAY(SELECT theme_id FROM practices_practicesubmission_themes
                  WHERE practicesubmission_id = practice.id ORDER BY theme_id) AS theme_ids,
            ARRAY(SELECT DISTINCT country.region
                  FROM practices_practicesubmission_countries AS link
                  JOIN countries_country AS country ON country.id = link.country_id
                  WHERE link.practicesubmission_id = practice.id AND country.region <> ''
                  ORDER BY country.region) AS regions,
            practice.search_vector
        FROM practices_practicesubmission AS practice
        WHERE practice.id = ANY(practice_ids) AND practice.status = 'published'
    ) AS entry;
$$;
"""

COVERING_INDEX = """
DROP INDEX practices_publishedsearch_covering;
CREATE INDEX practices_publishedsearch_covering ON practices_publishedsearch
    (published_on DESC NULLS LAST, practice_id DESC)
    INCLUDE (title, submitted_on, forum_year_id, country_ids, theme_ids, regions{keys});
"""

FORWARD_SQL = (
    """
ALTER TABLE practices_publishedsearch
    ADD COLUMN theme_key text NOT NULL DEFAULT '{}',
    ADD COLUMN region_key text NOT NULL DEFAULT '{}';
"""
    + REFRESH_SQL.replace("KEYS", ", entry.theme_ids::text, entry.regions::text")
    + COVERING_INDEX.format(keys=", theme_key, region_key")
    + """
SELECT practices_publishedsearch_refresh(ARRAY(SELECT practice_id FROM practices_publishedsearch));
ANALYZE practices_publishedsearch;
"""
)

# Back to the table, index and function without the keys.
BACKWARD_SQL = (
    COVERING_INDEX.format(keys="")
    + """
ALTER TABLE practices_publishedsearch DROP COLUMN theme_key, DROP COLUMN region_key;
"""
    + REFRESH_SQL.replace("KEYS", "")
)


class Migration(migrations.Migration):
    dependencies = [("practices", "0010_published_search")]

    operations = [postgresql_only(FORWARD_SQL, BACKWARD_SQL)]
