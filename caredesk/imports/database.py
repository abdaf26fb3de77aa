"""A read-only connection to another application's database, for readers that read a
desk's tables directly (django-helpdesk has no export API).

``connect("sqlite:////abs/path/db.sqlite3" | "postgres://…" | "mysql://…")`` returns a
:class:`Source` whose :meth:`Source.rows` runs one query with ``?`` placeholders on any of
the three and yields dicts. Nothing is ever written: SQLite is opened read-only, and the
other two run each query in its own read-only transaction, so an import of any length
holds no transaction (nor lock) open on the desk it reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
import pymysql
import pymysql.cursors

from caredesk.imports.http import SourceError

SCHEMES = ("sqlite", "postgres", "postgresql", "mysql", "mariadb")


@dataclass
class Source:
    connection: Any
    placeholder: str  # what "?" becomes in this database's queries
    label: str  # for messages and for the reader's name; never holds the password

    def rows(self, sql: str, params: Sequence[object] = ()) -> Iterator[dict[str, Any]]:
        if self.placeholder != "?":
            sql = sql.replace("?", self.placeholder)
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, tuple(params))
            names = [c[0] for c in cursor.description or ()]
            for row in cursor.fetchall():
                yield dict(zip(names, row, strict=True))
        except (sqlite3.Error, psycopg.Error, pymysql.Error) as error:
            raise SourceError(f"{self.label}: {error}") from None
        finally:
            cursor.close()

    def close(self) -> None:
        self.connection.close()


def connect(url: str) -> Source:
    """Opens ``url`` read-only; :class:`SourceError` with a plain reason when it cannot."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise SourceError(
            f"the database URL must start with one of {', '.join(s + '://' for s in SCHEMES)}"
        )
    label = f"{scheme}://{parts.hostname or ''}{parts.path}"
    try:
        if scheme == "sqlite":
            # As dj-database-url reads them: sqlite:///relative.db, sqlite:////absolute.db.
            path = Path(unquote(parts.path)[1:]).resolve()
            if not path.is_file():
                raise SourceError(f"{path} is not a file")
            conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
            return Source(conn, "?", f"sqlite:{path.name}")
        if scheme in ("postgres", "postgresql"):
            # Each query on its own (no transaction held open for the whole import).
            pg = psycopg.connect(
                url.replace(f"{parts.scheme}://", "postgresql://", 1), autocommit=True
            )
            pg.execute("SET default_transaction_read_only = on")
            return Source(pg, "%s", label)
        my = pymysql.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=unquote(parts.path.lstrip("/")),
            charset="utf8mb4",
            autocommit=True,
        )
        with my.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
        return Source(my, "%s", label)
    except (sqlite3.Error, psycopg.Error, pymysql.Error) as error:
        raise SourceError(f"cannot open {label}: {error}") from None
