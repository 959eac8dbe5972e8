"""The delivery-rate chart of the operations page, drawn server-side as inline SVG.

Pure: minute counts in, SVG text out. No JavaScript and nothing fetched, so the page
works offline and under a script-free Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from html import escape

from videoxapi.store.base import MinuteCount

WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40
DELIVERED_COLOUR = "#2f7d4f"
FAILED_COLOUR = "#c0392b"


def per_minute(
    history: Iterable[MinuteCount], now: datetime, minutes: int = 60
) -> list[tuple[datetime, int, int]]:
    """(minute, delivered, failed) for each of the last `minutes` minutes, all
    destinations together, oldest first; minutes without deliveries count zero."""
    last = now.replace(second=0, microsecond=0)
    first = last - timedelta(minutes=minutes - 1)
    slots = {first + timedelta(minutes=i): [0, 0] for i in range(minutes)}
    for count in history:
        minute = count.minute.replace(second=0, microsecond=0)
        if minute.tzinfo is None and first.tzinfo is not None:
            minute = minute.replace(tzinfo=first.tzinfo)
        if minute in slots:
            slots[minute][0] += count.delivered
            slots[minute][1] += count.failed
    return [(minute, d, f) for minute, (d, f) in sorted(slots.items())]


def _nice_top(value: int) -> int:
    """The smallest of 5, 10, 20, 50, 100, 200 ... at least `value` (each splits in 5 ticks)."""
    power = 1
    while True:
        for factor in (5, 10, 20):
            if factor * power >= value:
                return factor * power
        power *= 10


def delivery_chart(minutes: list[tuple[datetime, int, int]]) -> str:
    """Two bars a minute (delivered, failed) with a labelled axis and a legend."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_top(max((max(d, f) for _, d, f in minutes), default=0))
    slot = plot_w / max(len(minutes), 1)
    bar = max(slot * 0.4, 1.0)

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'role="img" aria-labelledby="chart-title" class="chart">',
        '<title id="chart-title">Statements delivered and failed per minute, last hour</title>',
    ]
    for i in range(6):
        value = top * i // 5
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#d8dde3" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{value}</text>'
        )
    for i, (minute, delivered, failed) in enumerate(minutes):
        x = LEFT + i * slot + (slot - 2 * bar) / 2
        for offset, value, colour, what in (
            (0.0, delivered, DELIVERED_COLOUR, "delivered"),
            (bar, failed, FAILED_COLOUR, "failed"),
        ):
            if value:
                parts.append(
                    f'<rect x="{x + offset:.1f}" y="{y(value):.1f}" width="{bar:.1f}" '
                    f'height="{plot_h - (y(value) - TOP):.1f}" fill="{colour}">'
                    f"<title>{minute:%H:%M} UTC: {value} {what}</title></rect>"
                )
        ago = len(minutes) - 1 - i
        if ago % 15 == 0:
            label = "now" if ago == 0 else f"-{ago} min"
            anchor = "end" if ago == 0 else "middle"
            x_label = WIDTH - RIGHT if ago == 0 else LEFT + (i + 0.5) * slot
            parts.append(
                f'<text x="{x_label:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="{anchor}" font-size="11" fill="#555">{escape(label)} '
                f"({minute:%H:%M})</text>"
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        'stroke="#888" stroke-width="1"/>'
    )
    legend_y = HEIGHT - 8
    for x, colour, label in (
        (LEFT, DELIVERED_COLOUR, "delivered"),
        (LEFT + 110, FAILED_COLOUR, "failed (retried or dead)"),
    ):
        parts.append(
            f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{legend_y}" font-size="11" fill="#333">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
