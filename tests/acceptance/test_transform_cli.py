"""`videoxapi transform` as a user runs it: the installed command, as a subprocess.

Events in (a file or stdin, NDJSON), statements out on stdout, each bad line reported
on stderr as `line N: <reason>` while the rest goes on (SPEC sections 6 and 8).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

CLI = Path(sys.executable).with_name("videoxapi")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SETTINGS: dict[str, Any] = {
    "enabled": True,
    "endpoint": "https://lrs.example.com/xapi/",
    "siteUrl": "https://videos.example.com",
}
USER = {"id": "u-1", "email": "ada@example.com"}
ENTRY = {"id": "1_intro", "title": "Introduction to optics", "duration": 60.0}


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")[:-6] + "Z"


def start(session: str, seconds: float = 0, **changes: Any) -> dict[str, Any]:
    event = {
        "type": "start",
        "session": session,
        "at": at(seconds),
        "entry": ENTRY,
        "player": {"name": "videojs", "version": "8", "timeUpdates": True},
        "user": USER,
    }
    return event | changes


def player(session: str, seq: int, kind: str, seconds: float, position: float, **extra: Any):
    return {
        "session": session,
        "seq": seq,
        "type": kind,
        "at": at(seconds),
        "position": position,
    } | extra


def viewing(session: str = "s1", *, end: bool = True) -> list[dict[str, Any]]:
    """A learner plays 20 s, pauses, seeks, changes speed, and leaves the page."""
    events = [start(session), player(session, 1, "play", 1, 0.0)]
    seq = 1
    for second in range(1, 21):
        seq += 1
        events.append(player(session, seq, "timeupdate", 1 + second, float(second)))
    events += [
        player(session, seq + 1, "pause", 21.5, 20.5),
        player(session, seq + 2, "seek", 25, 20.5, **{"from": 20.5, "to": 40.0}),
        player(session, seq + 3, "play", 26, 40.0),
        player(session, seq + 4, "ratechange", 27, 41.0, speed=1.5),
        player(session, seq + 5, "timeupdate", 28, 42.5),
    ]
    if end:
        events.append(player(session, seq + 6, "end", 29, 43.0))
    return events


def activity() -> list[dict[str, Any]]:
    entry = {"id": "1_intro", "title": "Introduction to optics"}
    quiz = {"id": "q1", "title": "Optics check"}
    base = {"at": at(100), "user": USER}
    return [
        {"type": "like", "id": "like-1", "entry": entry} | base,
        {"type": "quizStarted", "id": "quiz-1", "entry": entry, "quiz": quiz} | base,
        {"type": "quizSubmitted", "id": "quiz-2", "entry": entry, "quiz": quiz, "score": 0.9,
         "passed": True} | base,
    ]  # fmt: skip


def ndjson(events: Iterable[dict[str, Any] | str]) -> bytes:
    """One line per event; a str is written as is (for lines that are not JSON)."""
    return b"".join((e.encode() if isinstance(e, str) else orjson.dumps(e)) + b"\n" for e in events)


def transform(
    tmp_path: Path,
    events: Iterable[dict[str, Any] | str],
    *args: str,
    settings: dict[str, Any] | bytes = SETTINGS,
    stdin: bool = False,
) -> subprocess.CompletedProcess[bytes]:
    """Run the command on `events` (a file, or stdin with `-`)."""
    settings_file = tmp_path / "settings.json"
    settings_file.write_bytes(settings if isinstance(settings, bytes) else orjson.dumps(settings))
    data = ndjson(events)
    command = [str(CLI), "transform", "--settings", str(settings_file), *args]
    if stdin:
        return subprocess.run([*command, "-"], input=data, capture_output=True, timeout=60)
    source = tmp_path / "events.ndjson"
    source.write_bytes(data)
    return subprocess.run([*command, str(source)], capture_output=True, timeout=60)


_REFERENCE: dict[bytes, bytes] = {}


def reference(events: list[dict[str, Any]]) -> bytes:
    """The statements of good `events`, run once per test module (runs are deterministic:
    `test_a_second_run_gives_the_same_statements` holds that)."""
    data = ndjson(events)
    if data not in _REFERENCE:
        with tempfile.TemporaryDirectory() as directory:
            result = transform(Path(directory), events)
        assert result.returncode == 0, result.stderr
        _REFERENCE[data] = result.stdout
    return _REFERENCE[data]


def statements(result: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    assert result.stdout.endswith(b"\n") or not result.stdout
    return [orjson.loads(line) for line in result.stdout.splitlines()]


def verbs(found: list[dict[str, Any]]) -> list[str]:
    return [s["verb"]["display"]["en-US"] for s in found]


# -- good input ---------------------------------------------------------------------


def test_good_events_become_valid_ndjson_statements_and_exit_0(tmp_path, xapi_validator):
    result = transform(tmp_path, [*viewing(), *activity()])
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    found = statements(result)
    assert verbs(found) == [
        "initialized", "played", "progressed", "progressed", "paused", "seeked", "played",
        "interacted", "paused", "terminated", "liked", "attempted", "passed",
    ]  # fmt: skip
    assert len({s["id"] for s in found}) == len(found)
    xapi_validator.check(found)


def test_stdin_with_dash_gives_the_same_statements_as_a_file(tmp_path):
    events = [*viewing(), *activity()]
    from_stdin = transform(tmp_path, events, stdin=True)
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == reference(events) != b""


def test_a_second_run_gives_the_same_statements(tmp_path):
    first = reference(viewing())  # possibly run earlier in this module
    second = transform(tmp_path, viewing())
    assert first == second.stdout


# -- bad lines ----------------------------------------------------------------------

BAD_LINES: dict[str, tuple[dict[str, Any] | str, str]] = {
    "not JSON": ('{"type": "play", "session": "s1",', r"not valid JSON"),
    "unknown type": (player("s1", 90, "rewind", 5, 1.0), r"unknown event type 'rewind'"),
    "missing field": (
        {k: v for k, v in player("s1", 90, "pause", 5, 1.0).items() if k != "position"},
        r"position",
    ),
    "wrong type": (player("s1", 90, "pause", 5, "ten"), r"position"),  # type: ignore[arg-type]
    "negative position": (player("s1", 90, "pause", 5, -1.0), r"position.*(greater|>=|0)"),
    "never started": (player("nobody", 1, "play", 5, 0.0), r"'nobody'.*never started"),
    "start without user": (
        {k: v for k, v in start("s9").items() if k != "user"},
        r"user",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_LINES))
def test_a_bad_line_is_reported_with_its_number_and_the_rest_still_processed(tmp_path, kind):
    bad, reason = BAD_LINES[kind]
    good = viewing()
    events = [*good[:5], bad, *good[5:]]
    result = transform(tmp_path, events)
    assert result.returncode == 1
    message = result.stderr.decode().strip()
    assert re.fullmatch(rf"line 6: .*{reason}.*", message), message
    assert result.stdout == reference(good)  # nothing lost, nothing added


def test_an_event_of_a_session_that_is_over_is_refused(tmp_path):
    good = viewing()  # ends with `end` at seq 27
    late = player("s1", 28, "play", 40, 43.0)
    result = transform(tmp_path, [*good, late, *activity()])
    assert result.returncode == 1
    assert re.fullmatch(rf"line {len(good) + 1}: .*'s1'.* over", result.stderr.decode().strip()), (
        result.stderr
    )
    assert result.stdout == reference([*good, *activity()])


def test_every_bad_line_is_reported_once_with_the_right_number(tmp_path):
    good = viewing()
    events: list[dict[str, Any] | str] = list(good)
    expected = []
    for offset, (bad, reason) in enumerate(BAD_LINES.values()):
        index = 3 + offset * 4
        events.insert(index, bad)
        expected.append((index + 1, reason))
    result = transform(tmp_path, events)
    assert result.returncode == 1
    reported = result.stderr.decode().splitlines()
    assert len(reported) == len(expected), reported
    for line, (number, reason) in zip(reported, expected, strict=True):
        assert re.fullmatch(rf"line {number}: .*{reason}.*", line), (line, number, reason)
    assert result.stdout == reference(good)


def test_blank_lines_are_skipped_but_counted(tmp_path):
    good = viewing()
    result = transform(tmp_path, [good[0], "", player("nobody", 1, "play", 5, 0.0), *good[1:]])
    assert result.returncode == 1
    assert result.stderr.decode().startswith("line 3: ")


# -- settings -----------------------------------------------------------------------


def test_disabled_site_writes_nothing_and_says_so(tmp_path):
    result = transform(tmp_path, viewing(), settings=SETTINGS | {"enabled": False})
    assert result.returncode == 0
    assert result.stdout == b""
    assert b"disabled" in result.stderr


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (SETTINGS | {"videoEndPercent": 150}, "videoEndPercent"),
        (SETTINGS | {"beaconInterval": "hourly"}, "beaconInterval"),
        (SETTINGS | {"siteUrl": "not a url"}, "siteUrl"),
        (SETTINGS | {"colour": "blue"}, "colour"),
        (b'{"enabled": tru', "settings"),
    ],
)
def test_invalid_settings_fail_in_one_line_naming_the_field(tmp_path, settings, field):
    result = transform(tmp_path, viewing(), settings=settings)
    assert result.returncode != 0
    assert result.stdout == b""
    message = result.stderr.decode()
    assert len(message.strip().splitlines()) == 1, message
    assert field in message
    assert "Traceback" not in message


# -- sessions left open -------------------------------------------------------------


def test_sessions_left_open_are_paused_then_terminated_at_their_last_event(tmp_path):
    open_session = viewing("open", end=False)  # playing at 42.5 s, last event at 28 s
    result = transform(tmp_path, open_session)
    assert result.returncode == 0, result.stderr
    found = statements(result)
    paused, terminated = found[-2:]
    assert verbs(found[-2:]) == ["paused", "terminated"]
    for statement in (paused, terminated):
        assert statement["timestamp"] == at(28)
        assert (
            statement["result"]["extensions"]["https://w3id.org/xapi/video/extensions/time"] == 42.5
        )


def test_a_paused_session_left_open_is_only_terminated(tmp_path):
    events = [start("p"), player("p", 1, "play", 1, 0.0), player("p", 2, "timeupdate", 2, 1.0),
              player("p", 3, "pause", 3, 2.0)]  # fmt: skip
    found = statements(transform(tmp_path, events))
    assert verbs(found)[-2:] == ["paused", "terminated"]  # the pause, then the close
    assert found[-1]["timestamp"] == at(3)


def test_keep_open_leaves_sessions_open(tmp_path):
    events = viewing("open", end=False)
    closed = [orjson.loads(line) for line in reference(events).splitlines()]
    kept = statements(transform(tmp_path, events, "--keep-open"))
    assert verbs(kept) == verbs(closed)[:-2]
    assert "terminated" not in verbs(kept)


def test_sessions_are_closed_in_the_order_they_started(tmp_path):
    a, b = viewing("a", end=False), viewing("b", end=False)
    found = statements(transform(tmp_path, [a[0], b[0], *a[1:], *b[1:]]))
    closing = found[-4:]
    assert verbs(closing) == ["paused", "terminated", "paused", "terminated"]
    session_ids = [s["context"]["extensions"]["https://w3id.org/xapi/video/extensions/session-id"]
                   for s in closing]  # fmt: skip
    initialized = {s["id"]: s for s in found if verbs([s]) == ["initialized"]}
    assert session_ids[0] == session_ids[1] != session_ids[2] == session_ids[3]
    assert list(initialized) == [session_ids[0], session_ids[2]]


# -- duplicates ---------------------------------------------------------------------


def test_duplicate_lines_change_nothing(tmp_path):
    good = viewing()
    duplicated: list[dict[str, Any] | str] = []
    for index, event in enumerate(good):
        duplicated.append(event)
        if index % 3 == 0:
            duplicated.append(event)  # the same line again, right away
    duplicated[12:12] = good[4:9]  # an earlier stretch replayed, as a retried batch would
    twice = transform(tmp_path, duplicated)
    assert twice.returncode == 0, twice.stderr
    assert twice.stderr == b""
    assert twice.stdout == reference(good)


# -- memory -------------------------------------------------------------------------


def _write_long_log(path: Path, sessions: int) -> int:
    """Sequential sessions of 100 events each (start, play, timeupdates, end)."""
    lines = 0
    with path.open("wb") as sink:
        for index in range(sessions):
            session = f"m{index}"
            base = index * 40.0
            sink.write(orjson.dumps(start(session, base, user={"id": f"u{index % 50}"})) + b"\n")
            sink.write(orjson.dumps(player(session, 1, "play", base + 0.1, 0.0)) + b"\n")
            for seq in range(2, 100):
                event = player(session, seq, "timeupdate", base + seq * 0.25, seq * 0.25 - 0.25)
                sink.write(orjson.dumps(event) + b"\n")
            sink.write(orjson.dumps(player(session, 100, "end", base + 26, 25.0)) + b"\n")
            lines += 101
    return lines


def _peak_rss_kib(tmp_path: Path, events: Path) -> int:
    """Peak RSS of the command alone, measured by /usr/bin/time around it (not by this
    process, whose memory a forked child would inherit into its own figure)."""
    settings = tmp_path / "settings.json"
    settings.write_bytes(orjson.dumps(SETTINGS))
    command = ["/usr/bin/time", "-v", str(CLI), "transform", "--settings", str(settings),
               str(events)]  # fmt: skip
    with open("/dev/null", "wb") as sink:
        result = subprocess.run(command, stdout=sink, stderr=subprocess.PIPE, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    assert found, result.stderr[-2000:]
    return int(found.group(1))


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("/usr/bin/time"), reason="needs GNU time")
def test_memory_stays_flat_from_30k_to_300k_lines(tmp_path):
    small, large = tmp_path / "small.ndjson", tmp_path / "large.ndjson"
    assert _write_long_log(small, 300) == 30_300
    assert _write_long_log(large, 3000) == 303_000
    small_rss = _peak_rss_kib(tmp_path, small)
    large_rss = _peak_rss_kib(tmp_path, large)
    # Ten times the input may cost a few MiB (the bounded memory of ended sessions, the
    # allocator's slack), never ten times the memory.
    assert large_rss <= small_rss * 1.10 + 4096, (small_rss, large_rss)
