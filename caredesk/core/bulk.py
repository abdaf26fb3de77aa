"""Writing many rows with their own values in one round trip."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model


def update_rows(objs: Sequence[Model], fields: Sequence[str]) -> None:
    """Save ``fields`` of each object to its row: one ``UPDATE … WHERE pk`` per object,
    sent as one ``executemany`` (psycopg pipelines it on PostgreSQL).

    For batch work that changes many columns of many rows: ``QuerySet.bulk_update``
    builds a ``CASE WHEN`` expression per column and row, which costs more to compile
    than the rows cost to write. Like ``bulk_update``, no signals are sent."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns: list[Field[Any, Any]] = []
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, Field) and field.concrete, name
        columns.append(field)
    assert meta.pk is not None
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in columns)
    pk_column = quote(str(meta.pk.column))
    # Only quoted model metadata goes into the text; every value is a parameter.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@contextlib.contextmanager
def parameters_apart(using: str = "default") -> Iterator[None]:
    """On PostgreSQL, statements inside this block send their values separately from the
    SQL text (server-side binding; bytes go as binary), instead of psycopg quoting every
    value into the text. For statements that carry large values (raw mail, bodies):
    storing a batch of raw messages takes a third of the time. Elsewhere a no-op.

    Not the project-wide default: Django documents queries that server-side binding
    cannot run (untyped parameters in some expressions), and a statement may then carry
    at most 65,535 parameters (give ``bulk_create`` a ``batch_size``). So it is used only
    around plain inserts and updates of model rows."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    previous = raw.cursor_factory
    raw.cursor_factory = ServerBindingCursor
    try:
        yield
    finally:
        raw.cursor_factory = previous
