"""Indexes that serve the practice list's orders without sorting.

The newest-first index needs NULLS LAST (practices loaded from the GFMD's records may have no
publication date), which SQLite cannot index: it is created on PostgreSQL only.
"""

from django.db import migrations, models

from practices.db import postgresql_only


class Migration(migrations.Migration):

    dependencies = [
        ('countries', '0002_editors_group'),
        ('practices', '0005_moderators_group'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='practicesubmission',
            name='practices_p_status_7c9d76_idx',
        ),
        postgresql_only(
            'CREATE INDEX practice_status_newest ON practices_practicesubmission '
            '(status, published_on DESC NULLS LAST, id DESC);',
            'DROP INDEX IF EXISTS practice_status_newest;',
        ),
        migrations.AddIndex(
            model_name='practicesubmission',
            index=models.Index(fields=['status', 'title', 'id'], name='practice_status_title'),
        ),
    ]
