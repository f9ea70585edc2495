"""Keep PracticeSubmission.search_vector current inside PostgreSQL.

A trigger rather than application code, so that every write path (the submission form, the
admin, bulk_create by the importer, raw SQL loads) gets an up-to-date vector. Title weighs A,
description and partners B, with the 'english' configuration so that word forms match. HTML tags
in the description are tokens of type 'tag', which the english configuration drops. On SQLite the
migration does nothing: search falls back to a substring match there.
"""

from django.db import migrations

from practices.db import postgresql_only

CREATE_SQL = """
CREATE FUNCTION practices_search_vector_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('pg_catalog.english', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('pg_catalog.english', coalesce(NEW.description, '')), 'B')
        || setweight(to_tsvector('pg_catalog.english', coalesce(NEW.partners, '')), 'B');
    RETURN NEW;
END
$$;
CREATE TRIGGER practices_search_vector_update
    BEFORE INSERT OR UPDATE OF title, description, partners, search_vector
    ON practices_practicesubmission
    FOR EACH ROW EXECUTE FUNCTION practices_search_vector_update();
UPDATE practices_practicesubmission SET title = title;
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS practices_search_vector_update ON practices_practicesubmission;
DROP FUNCTION IF EXISTS practices_search_vector_update();
"""



class Migration(migrations.Migration):
    dependencies = [("practices", "0002_search_vector_moderation_constraints")]

    operations = [
        postgresql_only(CREATE_SQL, DROP_SQL),
    ]
