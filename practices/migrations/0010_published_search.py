"""A narrow copy of the published practices for the list's search (PostgreSQL only).

The practice table is about 1.5 KB a row (the description and its search vector), so
counting and faceting 80,000 matches there read 150 MB and joined 160,000 link rows.
`practices_publishedsearch` holds, for each published practice only, what the list filters,
counts and orders by: the search vector (its own GIN index), title, dates, forum year, and
its country and theme ids and its countries' regions as arrays, so that facets are counted
without the link tables.

Statement triggers with transition tables on the practice table and both link tables call
one function that rebuilds the rows of the practices a statement touched, from the tables
themselves, on every write path (admin, import, moderation, bulk loads, raw SQL): the copy
is never stale. No foreign key, so that Django's flush (TRUNCATE of the tables it knows)
works; a TRUNCATE trigger empties or clears the copy instead. A change of a country's region
rebuilds its practices' rows; names and labels are read at query time.
"""

from django.db import migrations

from practices.db import postgresql_only

PRACTICE = "practices_practicesubmission"
LINKS = {
    "practices_practicesubmission_countries": "country_ids",
    "practices_practicesubmission_themes": "theme_ids",
}

CREATE_SQL = f"""
CREATE TABLE practices_publishedsearch (
    practice_id bigint PRIMARY KEY,
    title varchar(300) NOT NULL,
    published_on date,
    submitted_on date,
    forum_year_id bigint,
    country_ids bigint[] NOT NULL,
    theme_ids bigint[] NOT NULL,
    regions varchar[] NOT NULL,
    search_vector tsvector
);
CREATE INDEX practices_publishedsearch_vector ON practices_publishedsearch
    USING gin (search_vector);
-- The list without a keyword reads every row: from this index (an index-only scan, 28 MB
-- at 95,000 practices) rather than the table and its vectors (85 MB).
CREATE INDEX practices_publishedsearch_covering ON practices_publishedsearch
    (published_on DESC NULLS LAST, practice_id DESC)
    INCLUDE (title, submitted_on, forum_year_id, country_ids, theme_ids, regions);

CREATE FUNCTION practices_publishedsearch_refresh(practice_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    -- Writers of one practice (its row, its links) take turns from here, and each statement
    -- below reads afresh (READ COMMITTED): the last to commit writes what all committed.
    SELECT FROM {PRACTICE} WHERE id = ANY(practice_ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM practices_publishedsearch WHERE practice_id = ANY(practice_ids);
    INSERT INTO practices_publishedsearch
    SELECT practice.id, practice.title, practice.published_on, practice.submitted_on,
        practice.forum_year_id,
        ARRAY(SELECT country_id FROM practices_practicesubmission_countries
              WHERE practicesubmission_id = practice.id),
        ARRAY(SELECT theme_id FROM practices_practicesubmission_themes
              WHERE practicesubmission_id = practice.id),
        ARRAY(SELECT DISTINCT country.region FROM practices_practicesubmission_countries AS link
              JOIN countries_country AS country ON country.id = link.country_id
              WHERE link.practicesubmission_id = practice.id AND country.region <> ''),
        practice.search_vector
    FROM {PRACTICE} AS practice
    WHERE practice.id = ANY(practice_ids) AND practice.status = 'published';
$$;

CREATE FUNCTION practices_publishedsearch_practices_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM practices_publishedsearch_refresh(ARRAY(SELECT id FROM changed));
    RETURN NULL;
END
$$;

CREATE FUNCTION practices_publishedsearch_links_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM practices_publishedsearch_refresh(
        ARRAY(SELECT DISTINCT practicesubmission_id FROM changed));
    RETURN NULL;
END
$$;

CREATE FUNCTION practices_publishedsearch_regions_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM practices_publishedsearch_refresh(ARRAY(
        SELECT DISTINCT link.practicesubmission_id
        FROM practices_practicesubmission_countries AS link
        JOIN new_countries ON new_countries.id = link.country_id
        JOIN old_countries ON old_countries.id = new_countries.id
        WHERE new_countries.region IS DISTINCT FROM old_countries.region));
    RETURN NULL;
END
$$;
CREATE TRIGGER publishedsearch_regions AFTER UPDATE ON countries_country
    REFERENCING OLD TABLE AS old_countries NEW TABLE AS new_countries
    FOR EACH STATEMENT EXECUTE FUNCTION practices_publishedsearch_regions_changed();

CREATE FUNCTION practices_publishedsearch_practices_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE practices_publishedsearch;
    RETURN NULL;
END
$$;

CREATE FUNCTION practices_publishedsearch_links_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'UPDATE practices_publishedsearch SET ' || quote_ident(TG_ARGV[0]) || ' = ''{{}}''';
    RETURN NULL;
END
$$;
"""

# One statement trigger per event and table (a trigger with transition tables has one event).
# A link's update could move it from one practice to another: both are rebuilt.
EVENTS = [("insert", "INSERT", "NEW"), ("update", "UPDATE", "NEW"), ("delete", "DELETE", "OLD")]
TRIGGERS = [(PRACTICE, "practices_changed", EVENTS)] + [
    (table, "links_changed", [*EVENTS, ("update_old", "UPDATE", "OLD")]) for table in LINKS
]
for table, function, events in TRIGGERS:
    for name, event, transition in events:
        CREATE_SQL += (
            f"CREATE TRIGGER publishedsearch_{name} AFTER {event} ON {table} "
            f"REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION practices_publishedsearch_{function}();\n"
        )
CREATE_SQL += (
    f"CREATE TRIGGER publishedsearch_truncate AFTER TRUNCATE ON {PRACTICE} FOR EACH STATEMENT "
    "EXECUTE FUNCTION practices_publishedsearch_practices_truncated();\n"
)
for table, column in LINKS.items():
    CREATE_SQL += (
        f"CREATE TRIGGER publishedsearch_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION practices_publishedsearch_links_truncated('{column}');\n"
    )
CREATE_SQL += f"""
SELECT practices_publishedsearch_refresh(ARRAY(SELECT id FROM {PRACTICE}));
ANALYZE practices_publishedsearch;
"""

DROP_SQL = (
    "DROP TABLE IF EXISTS practices_publishedsearch;\n"
    "DROP TRIGGER IF EXISTS publishedsearch_regions ON countries_country;\n"
    + "".join(
        f"DROP TRIGGER IF EXISTS publishedsearch_{event} ON {table};\n"
        for table in [PRACTICE, *LINKS]
        for event in ("insert", "update", "update_old", "delete", "truncate")
    )
    + "".join(
        f"DROP FUNCTION IF EXISTS practices_publishedsearch_{function};\n"
        for function in (
            "refresh(bigint[])",
            "practices_changed()",
            "links_changed()",
            "regions_changed()",
            "practices_truncated()",
            "links_truncated()",
        )
    )
)


class Migration(migrations.Migration):
    dependencies = [("practices", "0009_drop_catalogue_version")]

    operations = [postgresql_only(CREATE_SQL, DROP_SQL)]
