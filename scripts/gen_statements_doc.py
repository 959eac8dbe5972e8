"""Generate docs/statements.md: one real statement per source event, built by the code.

    .venv/bin/python scripts/gen_statements_doc.py [--check]

Examples come from scripted sessions run through `MemoryTracker` (what `transform`
does), with fixed event times, so the output is deterministic and the committed doc can
be checked against the code (tests/unit/test_docs.py). `--check` exits 1 if the file
is out of date instead of writing it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from videoxapi.events import parse_event
from videoxapi.processing import MemoryTracker
from videoxapi.settings import SiteSettings

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "statements.md"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

SETTINGS: dict[str, Any] = {
    "enabled": True,
    "endpoint": "https://lrs.example.com/xapi/",
    "siteUrl": "https://videos.example.com",
    "language": "en-US",
}
USER = {"id": "u-1024", "email": "ada@example.com", "name": "Ada Lovelace"}
ENTRY = {
    "id": "1_intro",
    "title": "Introduction to optics",
    "duration": 60.0,
    "description": "Light, lenses and mirrors in one minute.",
    "channel": {"id": "physics-101", "name": "Physics 101"},
}
PLATFORM_ENTRY = {k: v for k, v in ENTRY.items() if k != "duration"}
PLAYER = {"name": "videojs", "version": "8.10.0", "timeUpdates": True}
QUIZ = {"id": "q1", "title": "Optics check"}


def at(seconds: float) -> str:
    """An event time, `seconds` after the fixed start of every script."""
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")[:-6] + "Z"


@dataclass
class Script:
    """One scripted run: settings, events in order, and labels on the events shown."""

    settings: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)
    seq: dict[str, int] = field(default_factory=dict)

    def start(self, session: str, seconds: float, entry: dict[str, Any] = ENTRY) -> None:
        self.events.append(
            (
                f"{session}:start",
                {
                    "type": "start",
                    "session": session,
                    "at": at(seconds),
                    "entry": entry,
                    "player": PLAYER,
                    "context": {"speed": 1.0, "volume": 0.8, "screenSize": "1920x1080"},
                    "user": USER,
                },
            )
        )
        self.seq[session] = 0

    def player(
        self, session: str, kind: str, seconds: float, position: float, label: str | None = None,
        **extra: Any,
    ) -> None:  # fmt: skip
        self.seq[session] += 1
        event = {
            "session": session,
            "seq": self.seq[session],
            "type": kind,
            "at": at(seconds),
            "position": position,
        } | extra
        self.events.append((label, event))

    def watch(self, session: str, seconds: float, start: float, end: float) -> float:
        """Timeupdates once a second while playing from `start` to `end`; returns the
        clock at the end."""
        position = start
        while position < end:
            seconds += 1
            position += 1
            self.player(session, "timeupdate", seconds, min(position, end))
        return seconds

    def activity(self, label: str, kind: str, seconds: float, **extra: Any) -> None:
        event = {"type": kind, "id": f"evt-{label}", "at": at(seconds), "user": USER} | extra
        self.events.append((label, event))

    def run(self) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        """The labelled events, and the statements each one produced (`close` for the
        sessions closed at the end of the input)."""
        tracker = MemoryTracker(SiteSettings.parse(SETTINGS | self.settings))
        sources: dict[str, dict[str, Any]] = {}
        produced: dict[str, list[dict[str, Any]]] = {}
        for label, event in self.events:
            statements = tracker.process(parse_event(event))
            if label:
                sources[label] = event
                produced[label] = statements
        produced["close"] = list(tracker.close_all())
        return sources, produced


def main_script() -> Script:
    """A learner watches the whole minute, with every kind of player event."""
    s = Script()
    s.start("main", 0)
    s.player("main", "play", 2, 0.0, label="play")
    clock = s.watch("main", 2, 0.0, 14.0) + 1
    s.player("main", "timeupdate", clock, 15.0, label="quarter")  # the 0.25 milestone
    s.player("main", "pause", clock + 0.4, 15.4, label="pause")
    clock += 8
    s.player("main", "play", clock, 15.4)
    s.player("main", "ratechange", clock + 1, 16.4, label="ratechange", speed=1.5)
    s.player("main", "volumechange", clock + 2, 17.9, label="volumechange", volume=0.5)
    s.player("main", "fullscreen", clock + 3, 19.4, label="fullscreen", on=True)
    s.player("main", "captions", clock + 4, 20.9, label="captions", on=True, lang="en")
    s.player("main", "quality", clock + 5, 22.4, label="quality", value="1080p")
    s.player("main", "ratechange", clock + 6, 23.9, speed=1.0)
    clock = s.watch("main", clock + 6, 23.9, 30.0)
    s.player("main", "seek", clock + 0.5, 30.0, label="seek", **{"from": 30.0, "to": 10.0})
    clock = s.watch("main", clock + 0.5, 10.0, 59.0)
    s.player("main", "ended", clock + 1, 60.0, label="ended")
    s.player("main", "end", clock + 20, 60.0, label="end")
    return s


def side_script() -> Script:
    """Sessions closed while playing: the page left, and a session gone idle."""
    s = Script()
    s.start("left", 0)
    s.player("left", "play", 1, 0.0)
    clock = s.watch("left", 1, 0.0, 8.0)
    s.player("left", "end", clock + 0.5, 8.5, label="end-playing")
    s.start("idle", 100)
    s.player("idle", "play", 101, 0.0)
    s.watch("idle", 101, 0.0, 12.0)
    return s


def one_percent_script() -> Script:
    """onePercent beacons on a ten-minute video: one every 6 s of playback."""
    s = Script(settings={"beaconInterval": "onePercent", "videoEndPercent": 90})
    s.start("long", 0, ENTRY | {"id": "2_lecture", "title": "Full lecture", "duration": 600.0})
    s.player("long", "play", 1, 0.0, label="play")
    clock = s.watch("long", 1, 0.0, 5.0)
    s.player("long", "timeupdate", clock + 1, 6.0, label="beacon")
    return s


def activity_script(send_comment_text: bool) -> Script:
    """Quiz and platform events, as the activity API or a file gives them."""
    s = Script(settings={"sendCommentText": send_comment_text})
    entry = {"entry": PLATFORM_ENTRY}
    question = {
        "id": "q1-1",
        "text": "Which lens converges light?",
        "kind": "choice",
        "choices": [{"id": "convex", "text": "Convex"}, {"id": "concave", "text": "Concave"}],
    }
    s.activity("login", "login", 0)
    s.activity("quizStarted", "quizStarted", 10, quiz=QUIZ, **entry)
    s.activity(
        "questionAnswered", "questionAnswered", 20, quiz=QUIZ, question=question,
        response=["convex"], correct=True, **entry,
    )  # fmt: skip
    s.activity("passed", "quizSubmitted", 30, quiz=QUIZ, score=0.8, passed=True, **entry)
    s.activity("failed", "quizSubmitted", 40, quiz=QUIZ, score=0.4, passed=False, **entry)
    s.activity("scored", "quizSubmitted", 50, quiz=QUIZ, score=0.65, **entry)
    s.activity("like", "like", 60, **entry)
    s.activity("comment", "comment", 70, comment="The lens demo at 0:40 is great.", **entry)
    s.activity("share", "share", 80, **entry)
    s.activity("download", "download", 90, **entry)
    return s


@dataclass(frozen=True)
class Example:
    """One section of the doc: which statement of which labelled event it shows."""

    title: str
    explanation: str
    script: str
    label: str
    verb: str
    index: int = 0  # among the statements of that verb the event produced


EXAMPLES = [
    Example(
        "Session start: `initialized`",
        "The player loaded a video. The statement's id is the `session-id` context "
        "extension of every statement of the session; the player's settings at the start "
        "(speed, volume, screen size...) are its context extensions.",
        "main", "main:start", "initialized",
    ),
    Example(
        "Play: `played`",
        "Playback started or resumed, at `time`. A `play` while already playing is a "
        "heartbeat and produces nothing.",
        "main", "play", "played",
    ),
    Example(
        "Pause: `paused`",
        "Playback stopped: `time`, the registration's `progress` and `played-segments` "
        "(the open segment closed at the pause).",
        "main", "pause", "paused",
    ),
    Example(
        "Seek: `seeked`",
        "The playhead moved from `time-from` to `time-to`. Dragging the slider plays "
        "nothing: the segments only grow with reported playback.",
        "main", "seek", "seeked",
    ),
    Example(
        "Speed change: `interacted`",
        "A player setting changed; the statement carries the player's settings after the "
        "change as context extensions (here `speed`).",
        "main", "ratechange", "interacted",
    ),
    Example(
        "Volume change: `interacted`",
        "The `volume` context extension changed (0 when muted).",
        "main", "volumechange", "interacted",
    ),
    Example(
        "Full screen: `interacted`",
        "The `full-screen` context extension changed.",
        "main", "fullscreen", "interacted",
    ),
    Example(
        "Captions: `interacted`",
        "The `cc-enabled` / `cc-subtitle-enabled` (and `cc-subtitle-lang`) context "
        "extensions changed.",
        "main", "captions", "interacted",
    ),
    Example(
        "Quality: `interacted`",
        "The `quality` context extension changed.",
        "main", "quality", "interacted",
    ),
    Example(
        "Progress beacon, quarters: `progressed`",
        "With `beaconInterval: quarters`, one `progressed` when the registration's "
        "progress first reaches 0 (the first play), 0.25, 0.5, 0.75 and 1. Its `progress` "
        "is the milestone, its `time` where it was detected. `progressed` is not a Video "
        "Profile verb, so the profile is not in its `category`. Here: 0.25, reached by a "
        "timeupdate.",
        "main", "quarter", "progressed",
    ),
    Example(
        "Progress beacon, onePercent: `progressed`",
        "With `beaconInterval: onePercent`, one `progressed` every clamp(duration / 100, "
        "1, 30) seconds of playback (6 s for this ten-minute video), plus one at the first "
        "play; its `progress` is the current progress. This site finishes at 90%, so the "
        "`completion-threshold` context extension is present.",
        "onePercent", "beacon", "progressed",
    ),
    Example(
        "Video ended: `paused` at the end",
        "The player reached the end: the open segment closes at the duration and playback "
        "stopped, so `paused` at the end position.",
        "main", "ended", "paused",
    ),
    Example(
        "Finished: `completed`",
        "Sent once per registration when the learner has finished (SPEC section 4; here "
        "by `ended`, which completed the played segments): `result.completion` is true "
        "and `result.duration` is the media time played, rewatching included.",
        "main", "ended", "completed",
    ),
    Example(
        "Page left (`end`), not playing: `terminated`",
        "The session is over: `terminated` with the final progress and segments.",
        "main", "end", "terminated",
    ),
    Example(
        "Page left (`end`) while playing: `paused`, then `terminated`",
        "When the player was playing, a `paused` comes first (shown here), then the "
        "`terminated`.",
        "side", "end-playing", "paused",
    ),
    Example(
        "Session idle or left open at the end of the input: `terminated`",
        "A session with no event for `idleTimeoutMinutes` (or, in `transform`, still open "
        "at the end of the input) is closed at its last event's time and position: "
        "`paused` if it was playing, then `terminated` (shown here).",
        "side", "close", "terminated",
    ),
    Example(
        "Quiz started: `attempted`",
        "The quiz is the object (`<siteUrl>/media/<entryId>/quiz/<quizId>`), the video its "
        "`parent`. The id derives from (site, the platform's event id).",
        "activity", "quizStarted", "attempted",
    ),
    Example(
        "Question answered: `answered`",
        "The question is a `cmi.interaction` with its `interactionType` and choices; "
        "`result.response` and `result.success`; the quiz in `grouping`.",
        "activity", "questionAnswered", "answered",
    ),
    Example(
        "Quiz submitted and passed: `passed`",
        "`result.score.scaled` and `result.success: true`.",
        "activity", "passed", "passed",
    ),
    Example(
        "Quiz submitted and failed: `failed`",
        "`result.score.scaled` and `result.success: false`.",
        "activity", "failed", "failed",
    ),
    Example(
        "Quiz submitted without pass mark: `scored`",
        "When the quiz says neither passed nor failed: only `result.score.scaled`.",
        "activity", "scored", "scored",
    ),
    Example(
        "Login: `logged-in`",
        "The object is the site itself (`siteUrl`).",
        "activity", "login", "logged-in",
    ),
    Example("Like: `liked`", "The object is the video.", "activity", "like", "liked"),
    Example(
        "Comment: `commented` (default: no text)",
        "With `sendCommentText: No` (the default) the comment's text is not sent.",
        "activity", "comment", "commented",
    ),
    Example(
        "Comment with `sendCommentText: Yes`: `commented`",
        "The text is sent as `result.response`.",
        "activityWithText", "comment", "commented",
    ),
    Example("Share: `shared`", "The object is the video.", "activity", "share", "shared"),
    Example(
        "Download: `downloaded`",
        "The object is the video.",
        "activity", "download", "downloaded",
    ),
]  # fmt: skip


def scripts() -> dict[str, Script]:
    return {
        "main": main_script(),
        "side": side_script(),
        "onePercent": one_percent_script(),
        "activity": activity_script(send_comment_text=False),
        "activityWithText": activity_script(send_comment_text=True),
    }


def examples() -> list[tuple[Example, dict[str, Any] | None, dict[str, Any]]]:
    """Each example with its source event (None for the end-of-input close) and the
    statement it shows."""
    runs = {name: script.run() for name, script in scripts().items()}
    out = []
    for example in EXAMPLES:
        sources, produced = runs[example.script]
        matching = [
            s for s in produced[example.label] if s["verb"]["display"]["en-US"] == example.verb
        ]
        if len(matching) <= example.index:
            raise LookupError(f"{example.title}: no {example.verb!r} from {example.label!r}")
        out.append((example, sources.get(example.label), matching[example.index]))
    return out


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def render() -> str:
    """The whole document, as committed."""
    parts = [
        "# Statements, by source event",
        "",
        "Generated by `scripts/gen_statements_doc.py` from scripted sessions run through "
        "the tracker and the statement builders (as `videoxapi transform` does); do not "
        "edit by hand: run `.venv/bin/python scripts/gen_statements_doc.py`. "
        "`tests/unit/test_docs.py` fails when this file is out of date.",
        "",
        "Site settings of the examples (unless a section says otherwise):",
        "",
        "```json",
        _json(SETTINGS),
        "```",
        "",
        "Every statement has a deterministic UUID v5 `id` (replaying the same events gives "
        "the same ids), an RFC 3339 UTC `timestamp` with milliseconds (the event's time), "
        "and no `stored`, `authority` or `version`. The `registration` is the one the LMS "
        "passed in, or a UUID derived from (site, user, entry).",
        "",
        "## Contents",
        "",
    ]
    found = examples()
    for number, (example, _, _) in enumerate(found, start=1):
        parts.append(f"{number}. {example.title}")
    for number, (example, source, statement) in enumerate(found, start=1):
        parts += ["", f"## {number}. {example.title}", "", example.explanation, ""]
        if source is None:
            parts += ["Source: the end of the input (no event).", ""]
        else:
            parts += ["Source event:", "", "```json", _json(source), "```", ""]
        parts += ["Statement:", "", "```json", _json(statement), "```"]
    return "\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the doc is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            sys.exit(f"{DOC} is out of date: run scripts/gen_statements_doc.py")
        return
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)} ({len(EXAMPLES)} examples)")


if __name__ == "__main__":
    main()
