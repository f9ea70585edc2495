"""PostgreSQL-only pieces of the schema (triggers), for migrations that must also run on SQLite."""

from __future__ import annotations

from django.db import migrations


def postgresql_only(sql: str, reverse_sql: str) -> migrations.RunPython:
    """Run SQL on PostgreSQL, do nothing elsewhere (schema_editor.connection.vendor decides)."""

    def run(statement: str):
        def operation(apps, schema_editor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(statement)

        return operation

    return migrations.RunPython(run(sql), run(reverse_sql))
