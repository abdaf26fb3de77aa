"""Full-text search over articles (ADR 30, the approach of ADR 3 and 13).

PostgreSQL: a generated ``tsvector`` column on ``kb_article`` (title weight A, body weight
B, ``english``) with a GIN index; the database computes it on every write. Not a model
field: only ``caredesk.kb.search`` reads it.

SQLite: an FTS5 table over title and body (Porter stemmer), kept in step by triggers.
"""

from django.db import migrations

PG_FORWARDS = [
    "ALTER TABLE kb_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')) STORED",
    "CREATE INDEX kb_article_search_gin ON kb_article USING GIN (search_vector)",
]
PG_BACKWARDS = [
    "DROP INDEX IF EXISTS kb_article_search_gin",
    "ALTER TABLE kb_article DROP COLUMN IF EXISTS search_vector",
]

SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_article_fts USING fts5("
    "title, body, content='kb_article', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS kb_article_fts_ai AFTER INSERT ON kb_article BEGIN "
    "INSERT INTO kb_article_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS kb_article_fts_ad AFTER DELETE ON kb_article BEGIN "
    "INSERT INTO kb_article_fts(kb_article_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS kb_article_fts_au AFTER UPDATE OF title, body ON kb_article "
    "BEGIN INSERT INTO kb_article_fts(kb_article_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO kb_article_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "INSERT INTO kb_article_fts(kb_article_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS kb_article_fts_ai",
    "DROP TRIGGER IF EXISTS kb_article_fts_ad",
    "DROP TRIGGER IF EXISTS kb_article_fts_au",
    "DROP TABLE IF EXISTS kb_article_fts",
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
    dependencies = [("kb", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
