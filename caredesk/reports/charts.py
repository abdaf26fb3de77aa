"""Server-rendered SVG charts with real axes, ticks and labels (no JavaScript).

Each function returns the ``<svg>`` markup; every text in it is escaped here. Charts have
a ``<title>`` and a ``<desc>`` for screen readers, and the same figures are always in a
table next to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (steps of 1, 2 or 5 x 10^k)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # a class from reports.css: series-a, series-b, series-c
    values: Sequence[float | None]


def _fmt_number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def line_chart(
    title: str,
    days: Sequence[date],
    series: Sequence[Series],
    *,
    height: int = 220,
    y_format: Callable[[float], str] = _fmt_number,
    y_max: float | None = None,
    bars: bool = False,
) -> SafeString:
    """One x position per day; lines (or side-by-side columns with ``bars``) per series."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM
    values = [v for s in series for v in s.values if v is not None]
    top = y_max if y_max is not None else max(values, default=0.0)
    ticks = nice_ticks(top or 1.0)
    scale_top = ticks[-1] or 1.0
    n = max(1, len(days))
    step = plot_w / n

    def x(i: int) -> float:
        return LEFT + step * (i + 0.5)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v / scale_top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>',
        f"<desc>{escape(_describe(days, series, y_format))}</desc>",
    ]
    for t in ticks:  # y axis: grid lines and labels
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y(t) + 4:.1f}" text-anchor="end">'
            f"{escape(y_format(t))}</text>"
        )
    parts.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" '
        f'y2="{TOP + plot_h}"/><line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" '
        f'y2="{TOP + plot_h}"/>'
    )
    label_every = max(1, math.ceil(n / 8))
    for i, day in enumerate(days):  # x axis: a tick per day, a label every few days
        parts.append(
            f'<line class="axis" x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{TOP + plot_h}" '
            f'y2="{TOP + plot_h + 4}"/>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text class="tick" x="{x(i):.1f}" y="{TOP + plot_h + 18}" '
                f'text-anchor="middle">{escape(day.strftime("%-d %b"))}</text>'
            )
    if bars:
        width = max(1.0, step * 0.8 / max(1, len(series)))
        for k, s in enumerate(series):
            for i, v in enumerate(s.values):
                if v is None:
                    continue
                left = x(i) - step * 0.4 + k * width
                parts.append(
                    f'<rect class="{s.css}" x="{left:.1f}" y="{y(v):.1f}" '
                    f'width="{width:.1f}" height="{TOP + plot_h - y(v):.1f}">'
                    f"<title>{escape(f'{s.name}, {days[i]:%-d %b}: {y_format(v)}')}</title></rect>"
                )
    else:
        for s in series:
            path: list[str] = []
            for i, v in enumerate(s.values):
                if v is None:
                    continue
                path.append(f"{'M' if not path else 'L'}{x(i):.1f},{y(v):.1f}")
                parts.append(
                    f'<circle class="{s.css}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5">'
                    f"<title>{escape(f'{s.name}, {days[i]:%-d %b}: {y_format(v)}')}</title>"
                    "</circle>"
                )
            if path:
                parts.append(f'<path class="{s.css} line" d="{" ".join(path)}"/>')
    parts.append(_legend(series, height))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    x_format: Callable[[float], str] = _fmt_number,
) -> SafeString:
    """Horizontal bars, one group per label, a value axis at the bottom."""
    row_h = 14 * max(1, len(series)) + 12
    height = TOP + row_h * max(1, len(labels)) + BOTTOM
    left = 110
    plot_w, plot_h = WIDTH - left - RIGHT, row_h * max(1, len(labels))
    values = [v for s in series for v in s.values if v is not None and math.isfinite(v)]
    ticks = nice_ticks(max(values, default=0.0) or 1.0)
    scale_top = ticks[-1] or 1.0

    def x(v: float) -> float:
        return left + plot_w * min(v, scale_top) / scale_top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>',
    ]
    base = TOP + plot_h
    for t in ticks:
        anchor = "end" if t == ticks[-1] else "middle"  # the last label stays inside
        parts.append(
            f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{TOP}" y2="{base}"/>'
            f'<text class="tick" x="{x(t):.1f}" y="{base + 16}" text-anchor="{anchor}">'
            f"{escape(x_format(t))}</text>"
        )
    parts.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{TOP}" y2="{base}"/>')
    parts.append(f'<line class="axis" x1="{left}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}"/>')
    for r, label in enumerate(labels):
        top = TOP + r * row_h + 6
        parts.append(
            f'<text class="label" x="{left - 8}" y="{top + row_h / 2:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        for k, s in enumerate(series):
            v = s.values[r]
            if v is None:
                continue
            shown = x_format(v) if math.isfinite(v) else "more than the scale"
            parts.append(
                f'<rect class="{s.css}" x="{left}" y="{top + k * 14}" height="12" '
                f'width="{max(1.0, x(v if math.isfinite(v) else scale_top) - left):.1f}">'
                f"<title>{escape(f'{label}, {s.name}: {shown}')}</title></rect>"
            )
    parts.append(_legend(series, height))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _legend(series: Sequence[Series], height: int) -> str:
    out = []
    for k, s in enumerate(series):
        left = LEFT + k * 170
        out.append(
            f'<rect class="{s.css}" x="{left}" y="{height - 14}" width="10" height="10"/>'
            f'<text class="legend" x="{left + 14}" y="{height - 5}">{escape(s.name)}</text>'
        )
    return "".join(out)


def _describe(
    days: Sequence[date], series: Sequence[Series], y_format: Callable[[float], str]
) -> str:
    if not days:
        return "No days."
    bits = []
    for s in series:
        known = [v for v in s.values if v is not None]
        if known:
            bits.append(f"{s.name}: from {y_format(known[0])} to {y_format(known[-1])}")
        else:
            bits.append(f"{s.name}: no data")
    return f"{days[0]:%-d %b %Y} to {days[-1]:%-d %b %Y}. " + "; ".join(bits) + "."
