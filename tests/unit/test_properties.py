"""Invariants of the tracker over arbitrary viewing, checked with hypothesis."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.viewing import T0, Viewer, result_ext, run, verbs

from videoxapi.xapi.identity import statement_id

DURATIONS = st.sampled_from([10.0, 37.5, 100.0, 600.0])
ACTION = st.one_of(
    st.tuples(st.just("play")),
    st.tuples(st.just("pause")),
    st.tuples(st.just("watch"), st.floats(0.25, 40, allow_nan=False)),
    st.tuples(st.just("seek"), st.floats(0, 1, allow_nan=False)),
    st.tuples(st.just("rate"), st.sampled_from([0.5, 1.0, 1.5, 2.0])),
    st.tuples(st.just("ended")),
)
SESSION = st.tuples(st.lists(ACTION, max_size=25), st.sampled_from(["end", "idle"]))
PROFILE = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def viewing(duration: float, sessions: list[tuple[list[tuple[Any, ...]], str]]):
    """Events of successive sessions of one learner on one video (one registration)."""
    events: list[dict[str, Any]] = []
    for number, (actions, ending) in enumerate(sessions):
        viewer = Viewer(f"s{number}", duration=duration, at=T0.replace(hour=number + 1))
        events += viewer.start()
        for action in actions:
            match action:
                case ("play",):
                    events += viewer.play()
                case ("pause",):
                    events += viewer.pause()
                case ("watch", seconds):
                    events += viewer.watch(seconds)
                case ("seek", fraction):
                    events += viewer.seek(round(fraction * duration, 3))
                case ("rate", speed):
                    events += viewer.ratechange(speed)
                case ("ended",):  # playback runs to the end, then the player says so
                    events += viewer.watch(duration - viewer.position) + viewer.ended()
        if ending == "end":
            events += viewer.end()
    return events


def segments_of(text: str) -> list[tuple[float, float]]:
    return [
        (float(start), float(end))
        for start, end in (part.split("[.]") for part in text.split("[,]"))
    ]


def session_of(statement: dict[str, Any]) -> str:
    return statement["context"]["extensions"]["https://w3id.org/xapi/video/extensions/session-id"]


@PROFILE
@given(DURATIONS, st.lists(SESSION, min_size=1, max_size=3))
def test_progress_stays_in_range_and_never_decreases(duration, sessions):
    statements = run(viewing(duration, sessions), close=True)
    reported = [
        result_ext(s, "progress")
        for s in statements
        if verbs([s])[0] in ("paused", "completed", "terminated")
    ]
    assert all(0 <= p <= 1 for p in reported)
    assert reported == sorted(reported)


@PROFILE
@given(DURATIONS, st.lists(SESSION, min_size=1, max_size=3))
def test_completed_at_most_once_per_registration(duration, sessions):
    statements = run(viewing(duration, sessions), close=True)
    assert verbs(statements).count("completed") <= 1
    assert len({s["context"]["registration"] for s in statements}) == 1


@PROFILE
@given(DURATIONS, st.lists(SESSION, min_size=1, max_size=3))
def test_played_segments_agree_with_played_paused_and_seeked_times(duration, sessions):
    statements = run(viewing(duration, sessions), close=True)
    opens, closes = {0.0}, set()
    for statement in statements:
        verb = verbs([statement])[0]
        if verb == "played":
            opens.add(result_ext(statement, "time"))
        elif verb == "paused":
            closes.add(result_ext(statement, "time"))
        elif verb == "seeked":
            opens.add(result_ext(statement, "time-to"))
            closes.add(result_ext(statement, "time-from"))
    final = [s for s in statements if verbs([s])[0] == "terminated"][-1]
    segments = segments_of(result_ext(final, "played-segments"))
    played = [(s, e) for s, e in segments if e > s]
    for index, (start, end) in enumerate(played):
        assert start in opens, f"segment starts at {start}: no play or seek there"
        assert end in closes, f"segment ends at {end}: no pause or seek there"
        if index + 1 < len(played):
            assert end < played[index + 1][0], "segments overlap or touch"
    union = sum(e - s for s, e in played)
    assert result_ext(final, "progress") == min(round(union / duration, 3), 1.0)


@PROFILE
@given(DURATIONS, st.lists(SESSION, min_size=1, max_size=3))
def test_initialized_first_terminated_last_once_per_session(duration, sessions):
    statements = run(viewing(duration, sessions), close=True)
    by_session: dict[str, list[str]] = defaultdict(list)
    for statement in statements:
        by_session[session_of(statement)].append(verbs([statement])[0])
    assert len(by_session) == len(sessions)
    for names in by_session.values():
        assert names[0] == "initialized" and names.count("initialized") == 1
        assert names[-1] == "terminated" and names.count("terminated") == 1


@PROFILE
@given(
    DURATIONS,
    st.lists(SESSION, min_size=1, max_size=2),
    st.lists(st.integers(0, 10_000), max_size=40),
)
def test_any_duplication_of_events_gives_the_same_statement_ids(duration, sessions, picks):
    events = viewing(duration, sessions)
    retried = list(events)
    for pick in picks:  # re-send an event somewhere after it, as retries do
        original = events[pick % len(events)]
        after = next(i for i, event in enumerate(retried) if event is original) + 1
        retried.insert(after + pick % (len(retried) - after + 1), original)
    assert [s["id"] for s in run(retried)] == [s["id"] for s in run(events)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(DURATIONS, st.lists(SESSION, min_size=1, max_size=2))
def test_every_statement_of_arbitrary_viewing_is_valid(xapi_validator, duration, sessions):
    xapi_validator.check(run(viewing(duration, sessions), close=True))


@given(st.text(max_size=20), st.text(max_size=20), st.integers(0, 10**6), st.integers(0, 5))
def test_statement_ids_differ_whenever_their_origin_does(site, session, seq, ordinal):
    base = statement_id(site, session, seq, "played", ordinal)
    assert base == statement_id(site, session, seq, "played", ordinal)
    assert base != statement_id(site, session, seq + 1, "played", ordinal)
    assert base != statement_id(site, session, seq, "paused", ordinal)
    assert base != statement_id(site, session, seq, "played", ordinal + 1)
    assert base != statement_id(site + "x", session, seq, "played", ordinal)
