"""The dashboard's tables, one definition for the page, the CSV exports and the API.

Columns come in the dashboard's order: first-contact resolution, repeat contacts and
reopens first, handle time last (P6: it is shown, never a target).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from caredesk.reports.dashboard import Dashboard, Figures, Group

Value = int | float | str | None


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    get: Callable[[Figures], int | float | None]
    kind: str = "count"  # count | rate | minutes


COLUMNS: tuple[Column, ...] = (
    Column("fcr_rate", "FCR", lambda f: f.fcr_rate, "rate"),
    Column("resolved", "Resolved", lambda f: f.resolved),
    Column("fcr_yes", "FCR yes", lambda f: f.fcr_yes),
    Column("fcr_pending", "FCR pending", lambda f: f.fcr_pending),
    Column("repeat_rate", "Repeat rate", lambda f: f.repeat_rate, "rate"),
    Column("repeat_contacts", "Repeat contacts", lambda f: f.repeat_contacts),
    Column("reopen_rate", "Reopen rate", lambda f: f.reopen_rate, "rate"),
    Column("reopened", "Reopened", lambda f: f.reopened),
    Column("opened", "Opened", lambda f: f.opened),
    Column("backlog", "Open at end", lambda f: f.backlog),
    Column("first_responses", "First replies", lambda f: f.first_responses),
    Column(
        "avg_first_response_minutes",
        "Avg first reply (min)",
        lambda f: f.avg_first_response_minutes,
        "minutes",
    ),
    Column("promise_kept_rate", "Promises kept", lambda f: f.promise_kept_rate, "rate"),
    Column("promises_kept", "Kept", lambda f: f.promises_kept),
    Column("promises_missed", "Missed", lambda f: f.promises_missed),
    Column("protected", "Abusive, left out", lambda f: f.protected),
    Column("csat_rate", "CSAT (good share)", lambda f: f.csat_rate, "rate"),
    Column("csat_good", "Rated good", lambda f: f.csat_good),
    Column("csat_neutral", "Rated neutral", lambda f: f.csat_neutral),
    Column("csat_bad", "Rated bad", lambda f: f.csat_bad),
    Column(
        "handle_minutes_per_resolved",
        "Handle time per resolved (min)",
        lambda f: f.handle_minutes_per_resolved,
        "minutes",
    ),
)

GROUP_TABLES = {
    "teams": ("Team", "by_team"),
    "agents": ("Agent", "by_agent"),
    "channels": ("Channel", "by_channel"),
    "tiers": ("Tier", "by_tier"),
    "tags": ("Tag", "by_tag"),
}
TABLE_NAMES = ("summary", "days", *GROUP_TABLES, "response")


@dataclass(frozen=True)
class Table:
    name: str
    headers: list[str]
    rows: list[list[Value]]
    kinds: list[str]


def _figures_row(label: Value, f: Figures) -> list[Value]:
    return [label, *(c.get(f) for c in COLUMNS)]


def _kinds() -> list[str]:
    return ["label", *(c.kind for c in COLUMNS)]


def table(dash: Dashboard, name: str) -> Table:
    if name == "summary":
        return Table(
            name, ["Period", *(c.header for c in COLUMNS)],
            [_figures_row(f"{dash.start:%Y-%m-%d} to {dash.end:%Y-%m-%d}", dash.overall)],
            _kinds(),
        )  # fmt: skip
    if name == "days":
        rows = [_figures_row(f"{day:%Y-%m-%d}", f) for day, f in dash.days]
        return Table(name, ["Day", *(c.header for c in COLUMNS)], rows, _kinds())
    if name in GROUP_TABLES:
        header, attr = GROUP_TABLES[name]
        groups: Sequence[Group] = getattr(dash, attr)
        rows = [_figures_row(g.label, g.figures) for g in groups]
        return Table(name, [header, *(c.header for c in COLUMNS)], rows, _kinds())
    if name == "response":
        rows = [[t.label, t.count, _finite(t.p50), _finite(t.p90)] for t in dash.response_by_tier]
        return Table(
            name,
            ["Tier", "First replies", "p50 (min)", "p90 (min)"],
            rows,
            ["label", "count", "minutes", "minutes"],
        )
    raise KeyError(name)


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    return round(value, 1) if math.isfinite(value) else float(43200)


def _safe_cell(value: Value) -> str:
    """CSV text a spreadsheet will not run: a leading =, +, -, @ or tab gets a quote."""
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(t: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(t.headers)
    for row in t.rows:
        writer.writerow([_safe_cell(v) for v in row])
    return out.getvalue()


def shown(value: Value, kind: str) -> str:
    """A cell as the page shows it."""
    if value is None:
        return "—"
    if kind == "rate" and isinstance(value, int | float):
        return f"{value * 100:.0f}%"
    if kind == "minutes" and isinstance(value, int | float):
        return f"{value:g}"
    return str(value)
