"""xAPI value formats: timestamps and ISO 8601 durations."""

from __future__ import annotations

from datetime import UTC, datetime


def timestamp(at: datetime) -> str:
    """RFC 3339, UTC, milliseconds, `Z`: `2026-11-26T22:50:12.123Z`."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def duration(seconds: float) -> str:
    """ISO 8601 duration with at most 0.01 s precision: 272.5 -> `PT4M32.5S`."""
    hundredths = round(max(seconds, 0.0) * 100)
    hours, rest = divmod(hundredths, 360_000)
    minutes, rest = divmod(rest, 6_000)
    whole, fraction = divmod(rest, 100)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if fraction:
        text += f"{whole}.{fraction:02d}".rstrip("0") + "S"
    elif whole or text == "PT":
        text += f"{whole}S"
    return text
