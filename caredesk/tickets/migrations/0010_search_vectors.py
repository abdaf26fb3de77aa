"""Stored search vectors, so a search never re-parses text (ADR 13).

PostgreSQL: two generated ``tsvector`` columns on ``tickets_searchentry``, each with a
GIN index: ``vector_english`` (stemmed: "returns" finds "return") and ``vector_simple``
(exact words, ranked above stemmed matches). The database computes them on every insert
and update, so every writer (actions, bulk loads, COPY) keeps them right. They are not
model fields: Django never writes them, and only ``caredesk.tickets.search`` reads them.
The old expression index goes.

SQLite: a second FTS5 table without the Porter stemmer (exact words), kept in step by
triggers like the first one (0002).
"""

from django.db import migrations

from caredesk.core.compression import use_lz4

PG_FORWARDS = [
    "ALTER TABLE tickets_searchentry "
    "ADD COLUMN vector_english tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, content)) STORED, "
    "ADD COLUMN vector_simple tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, content)) STORED",
    "CREATE INDEX search_english_gin ON tickets_searchentry USING GIN (vector_english)",
    "CREATE INDEX search_simple_gin ON tickets_searchentry USING GIN (vector_simple)",
    "DROP INDEX IF EXISTS search_content_tsv",
]
PG_BACKWARDS = [
    "CREATE INDEX IF NOT EXISTS search_content_tsv ON tickets_searchentry "
    "USING GIN (to_tsvector('english'::regconfig, COALESCE(content, '')))",
    "ALTER TABLE tickets_searchentry DROP COLUMN vector_english, DROP COLUMN vector_simple",
]

SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS tickets_searchentry_exact USING fts5("
    "content, content='tickets_searchentry', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS tickets_searchentry_exact_ai AFTER INSERT ON "
    "tickets_searchentry BEGIN INSERT INTO tickets_searchentry_exact(rowid, content) "
    "VALUES (new.id, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_searchentry_exact_ad AFTER DELETE ON "
    "tickets_searchentry BEGIN INSERT INTO tickets_searchentry_exact"
    "(tickets_searchentry_exact, rowid, content) VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_searchentry_exact_au AFTER UPDATE ON "
    "tickets_searchentry BEGIN INSERT INTO tickets_searchentry_exact"
    "(tickets_searchentry_exact, rowid, content) VALUES ('delete', old.id, old.content); "
    "INSERT INTO tickets_searchentry_exact(rowid, content) VALUES (new.id, new.content); END",
    "INSERT INTO tickets_searchentry_exact(tickets_searchentry_exact) VALUES ('rebuild')",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS tickets_searchentry_exact_ai",
    "DROP TRIGGER IF EXISTS tickets_searchentry_exact_ad",
    "DROP TRIGGER IF EXISTS tickets_searchentry_exact_au",
    "DROP TABLE IF EXISTS tickets_searchentry_exact",
]


def _run(schema_editor, postgresql, sqlite):
    vendor = schema_editor.connection.vendor
    for sql in postgresql if vendor == "postgresql" else sqlite if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    _run(schema_editor, PG_FORWARDS, SQLITE_FORWARDS)


def backwards(apps, schema_editor):
    _run(schema_editor, PG_BACKWARDS, SQLITE_BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_follow_up_and_resolution_outcome")]
    operations = [
        migrations.RunPython(forwards, backwards),
        use_lz4(("tickets_searchentry", "vector_english"), ("tickets_searchentry", "vector_simple")),
    ]
