"""Cheaper compression for large text and byte columns on PostgreSQL.

PostgreSQL compresses values over about 2 KB before storing them out of line (TOAST).
Its default, pglz, costs far more CPU than lz4 for a similar size; email intake writes
tens of kilobytes per message (the raw bytes, the text, the HTML), so the default
compression was a good share of the database's time per message. lz4 is used when the
server was built with it; elsewhere (and on SQLite) this does nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _has_lz4(connection: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def use_lz4(*columns: tuple[str, str]) -> migrations.RunPython:
    """A migration operation: compress these (table, column) pairs with lz4 from now on.
    Values already stored keep their compression until rewritten."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql" or not _has_lz4(connection):
            return
        quote = connection.ops.quote_name
        for table, column in columns:
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET COMPRESSION lz4"
            )

    def backwards(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        quote = connection.ops.quote_name
        for table, column in columns:
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET COMPRESSION default"
            )

    return migrations.RunPython(forwards, backwards, elidable=False)
