"""Full-text index for SearchEntry: a GIN expression index on PostgreSQL, FTS5 on SQLite."""

from django.db import migrations

PG_CREATE = (
    "CREATE INDEX IF NOT EXISTS search_content_fts ON tickets_searchentry "
    "USING GIN (to_tsvector('english'::regconfig, content))"
)
PG_DROP = "DROP INDEX IF EXISTS search_content_fts"

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS tickets_searchentry_fts USING fts5("
    "content, content='tickets_searchentry', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS tickets_searchentry_ai AFTER INSERT ON tickets_searchentry "
    "BEGIN INSERT INTO tickets_searchentry_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_searchentry_ad AFTER DELETE ON tickets_searchentry "
    "BEGIN INSERT INTO tickets_searchentry_fts(tickets_searchentry_fts, rowid, content) "
    "VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_searchentry_au AFTER UPDATE ON tickets_searchentry "
    "BEGIN INSERT INTO tickets_searchentry_fts(tickets_searchentry_fts, rowid, content) "
    "VALUES ('delete', old.id, old.content); "
    "INSERT INTO tickets_searchentry_fts(rowid, content) VALUES (new.id, new.content); END",
    "INSERT INTO tickets_searchentry_fts(tickets_searchentry_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tickets_searchentry_ai",
    "DROP TRIGGER IF EXISTS tickets_searchentry_ad",
    "DROP TRIGGER IF EXISTS tickets_searchentry_au",
    "DROP TABLE IF EXISTS tickets_searchentry_fts",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        for sql in SQLITE_CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
