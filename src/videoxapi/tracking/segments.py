"""Played segments: the union of the stretches of media a learner has really played."""

from __future__ import annotations

from bisect import bisect_right


class PlayedSegments:
    """Sorted, disjoint, merged `[start, end]` pairs with their total length kept current.

    Positions are rounded to milliseconds before they get here, so touching segments
    (one ends where the next starts) merge exactly.
    """

    __slots__ = ("covered", "ends", "starts")

    def __init__(self, pairs: list[list[float]] | None = None) -> None:
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.covered = 0.0
        for start, end in pairs or ():
            self.add(start, end)

    def add(self, start: float, end: float) -> None:
        """Merge `[start, end]` in; a zero-length segment adds nothing."""
        if end <= start:
            return
        starts, ends = self.starts, self.ends
        # First segment that could touch: the last one starting at or before `start`.
        low = bisect_right(starts, start) - 1
        if low < 0 or ends[low] < start:
            low += 1
        high = low
        while high < len(starts) and starts[high] <= end:
            start = min(start, starts[high])
            end = max(end, ends[high])
            self.covered -= ends[high] - starts[high]
            high += 1
        starts[low:high] = [start]
        ends[low:high] = [end]
        self.covered += end - start

    def covered_with(self, start: float, end: float) -> float:
        """Total length if `[start, end]` were added, without adding it (an open segment)."""
        if end <= start:
            return self.covered
        starts, ends = self.starts, self.ends
        overlap = 0.0
        index = bisect_right(starts, start) - 1
        if index < 0:
            index = 0
        while index < len(starts) and starts[index] < end:
            overlap += max(0.0, min(end, ends[index]) - max(start, starts[index]))
            index += 1
        return self.covered + (end - start) - overlap

    def format(self, open_start: float | None = None, open_end: float = 0.0) -> str:
        """The profile's `played-segments`: `0.000[.]12.500[,]14.000[.]21.000`."""
        pairs = zip(self.starts, self.ends, strict=True)
        if open_start is not None and open_end > open_start:
            pairs = _merged_with(self.starts, self.ends, open_start, open_end)
        return "[,]".join(f"{s:.3f}[.]{e:.3f}" for s, e in pairs)

    def pairs(self) -> list[list[float]]:
        return [[s, e] for s, e in zip(self.starts, self.ends, strict=True)]

    def __len__(self) -> int:
        return len(self.starts)


def _merged_with(
    starts: list[float], ends: list[float], start: float, end: float
) -> list[tuple[float, float]]:
    """The pairs with `[start, end]` merged in, without copying the whole structure."""
    low = bisect_right(starts, start) - 1
    if low < 0 or ends[low] < start:
        low += 1
    high = low
    while high < len(starts) and starts[high] <= end:
        start, end = min(start, starts[high]), max(end, ends[high])
        high += 1
    pairs = list(zip(starts, ends, strict=True))
    pairs[low:high] = [(start, end)]
    return pairs
