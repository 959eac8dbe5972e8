"""Played segments: a merged union with its length kept current."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from videoxapi.tracking.segments import PlayedSegments


def test_overlapping_and_touching_segments_merge():
    segments = PlayedSegments()
    segments.add(0, 10)
    segments.add(20, 30)
    assert segments.pairs() == [[0, 10], [20, 30]]
    segments.add(10, 20)
    assert segments.pairs() == [[0, 30]]
    assert segments.covered == 30


def test_a_zero_length_segment_adds_nothing():
    segments = PlayedSegments([[1, 2]])
    segments.add(5, 5)
    assert segments.pairs() == [[1, 2]]


def test_format_is_the_profiles():
    segments = PlayedSegments([[0, 12.5], [14, 21]])
    assert segments.format() == "0.000[.]12.500[,]14.000[.]21.000"
    assert segments.format(20, 25) == "0.000[.]12.500[,]14.000[.]25.000"


SEGMENT = st.tuples(st.integers(0, 1000), st.integers(0, 200)).map(
    lambda pair: (pair[0] / 10, (pair[0] + pair[1]) / 10)
)


@given(st.lists(SEGMENT, max_size=30), SEGMENT)
def test_union_length_matches_a_brute_force_count(pairs, extra):
    segments = PlayedSegments()
    for start, end in pairs:
        segments.add(start, end)
    ticks = {t for start, end in pairs for t in range(round(start * 10), round(end * 10))}
    assert round(segments.covered * 10) == len(ticks)
    with_extra = ticks | set(range(round(extra[0] * 10), round(extra[1] * 10)))
    assert round(segments.covered_with(*extra) * 10) == len(with_extra)
    starts, ends = segments.starts, segments.ends
    assert all(s < e for s, e in zip(starts, ends, strict=True))
    assert all(ends[i] < starts[i + 1] for i in range(len(starts) - 1))
