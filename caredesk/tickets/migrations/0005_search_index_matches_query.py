"""PostgreSQL: index exactly the expression Django's SearchVector produces.

``SearchVector("content", config="english")`` compiles to
``to_tsvector('english'::regconfig, COALESCE(content, ''))``; the index from 0002 lacked
the COALESCE, so the planner could not use it and every search scanned the table.
"""

from django.db import migrations

PG_CREATE = (
    "CREATE INDEX IF NOT EXISTS search_content_tsv ON tickets_searchentry "
    "USING GIN (to_tsvector('english'::regconfig, COALESCE(content, '')))"
)
PG_OLD = (
    "CREATE INDEX IF NOT EXISTS search_content_fts ON tickets_searchentry "
    "USING GIN (to_tsvector('english'::regconfig, content))"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_content_fts")
        schema_editor.execute(PG_CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_content_tsv")
        schema_editor.execute(PG_OLD)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_open_case_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
