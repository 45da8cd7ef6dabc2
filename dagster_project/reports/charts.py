"""Charts drawn as inline SVG: no script, no library, no request to any other host.

Each chart carries a <title> and <desc> for screen readers, and every bar its own <title>
(the browser shows it on hover); the page prints the same data as a table beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#235b4e", "#bc955c", "#9f2241", "#6f7271", "#10312b", "#ddc9a3")
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[float, ...]  # one per series


def _fmt(value: float) -> str:
    return f"{round(value):,}"


def hbar_chart(
    title: str,
    bars: Sequence[Bar],
    series: Sequence[str] = ("",),
    value_format: Callable[[float], str] = _fmt,
    reference: float | None = None,
    reference_label: str = "",
    width: int = 720,
    label_width: int = 230,
) -> str:
    """Horizontal bars, one row per item, one bar per series in each row."""
    n_series = len(series)
    bar_height = 14 if n_series > 1 else 18
    row_height = bar_height * n_series + 8
    legend_height = 22 if n_series > 1 else 0
    title_height = 22
    top = 8 + title_height + legend_height
    height = top + row_height * max(len(bars), 1) + 26
    plot_left = label_width + 6
    plot_width = width - plot_left - 70
    largest = max([v for bar in bars for v in bar.values if v is not None] + [reference or 0, 1])
    scale = plot_width / largest

    parts = [
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" style="{FONT}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(title)}: {len(bars)} rows</desc>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="20" font-size="13" font-weight="600" fill="#10312b">'
        f"{escape(title)}</text>",
    ]
    if n_series > 1:
        x = plot_left
        for index, name in enumerate(series):
            color = PALETTE[index % len(PALETTE)]
            parts.append(f'<rect x="{x}" y="30" width="12" height="12" fill="{color}"/>')
            parts.append(
                f'<text x="{x + 16}" y="40" font-size="12" fill="#222">{escape(name)}</text>'
            )
            x += 24 + 8 * len(name)
    if not bars:
        parts.append(
            f'<text x="{plot_left}" y="{top + 14}" font-size="13" fill="#555">—</text></svg>'
        )
        return "".join(parts)
    for row, bar in enumerate(bars):
        y0 = top + row * row_height
        # About 6.7 px per character at font-size 12: cut what would overflow the label area.
        max_chars = int(label_width / 6.7)
        label = bar.label if len(bar.label) <= max_chars else bar.label[: max_chars - 1] + "…"
        parts.append(
            f'<text x="{label_width}" y="{y0 + row_height / 2 + 4:.1f}" font-size="12" '
            f'text-anchor="end" fill="#222">{escape(label)}</text>'
        )
        for index, value in enumerate(bar.values):
            if value is None:
                continue
            color = PALETTE[index % len(PALETTE)]
            y = y0 + 4 + index * bar_height
            length = max(value * scale, 1.0 if value > 0 else 0.0)
            tip = f"{bar.label}{' — ' + series[index] if series[index] else ''}: "
            parts.append(
                f'<rect x="{plot_left}" y="{y}" width="{length:.1f}" height="{bar_height - 2}" '
                f'fill="{color}"><title>{escape(tip + value_format(value))}</title></rect>'
            )
            parts.append(
                f'<text x="{plot_left + length + 4:.1f}" y="{y + bar_height - 4}" '
                f'font-size="11" fill="#333">{escape(value_format(value))}</text>'
            )
    axis_y = top + row_height * len(bars)
    parts.append(
        f'<line x1="{plot_left}" y1="{top - 2}" x2="{plot_left}" y2="{axis_y}" stroke="#888"/>'
    )
    if reference is not None:
        x = plot_left + reference * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{axis_y}" stroke="#9f2241" '
            'stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 16}" font-size="11" text-anchor="middle" '
            f'fill="#9f2241">{escape(reference_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    value_format: Callable[[float], str] = _fmt,
    width: int = 340,
    height: int = 200,
    color: str = PALETTE[0],
) -> str:
    """Vertical columns over an ordered axis (national days), for small multiples."""
    top, bottom, left = 38, 34, 8
    plot_height = height - top - bottom
    plot_width = width - 2 * left
    count = max(len(values), 1)
    slot = plot_width / count
    column = min(slot * 0.7, 40)
    largest = max([v for v in values if v is not None] + [1])
    parts = [
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" style="{FONT}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="#10312b">'
        f"{escape(title)}</text>",
    ]
    base = top + plot_height
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + index * slot + (slot - column) / 2
        if value is not None:
            h = value / largest * plot_height
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{column:.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{escape(label)}: {escape(value_format(value))}</title>'
                "</rect>"
            )
            # The value over its column, so the numbers read without hovering.
            parts.append(
                f'<text x="{x + column / 2:.1f}" y="{base - h - 4:.1f}" font-size="10" '
                f'text-anchor="middle" fill="#333">{escape(value_format(value))}</text>'
            )
        parts.append(
            f'<text x="{x + column / 2:.1f}" y="{base + 14}" font-size="10" '
            f'text-anchor="middle" fill="#333">{escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="#888"/></svg>'
    )
    return "".join(parts)
