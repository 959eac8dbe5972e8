"""An independent check of the statements videoxapi builds (pytest plugin: `xapi_validator`).

Two layers, both written apart from the code under test:

1. Ralph's pydantic models (Ralph 5.1.0, its own virtualenv, driven through
   tests/support/ralph_check.py): the generic xAPI statement model for every statement,
   plus the Video Profile model for the profile's seven verbs. Where Ralph is *narrower*
   than the Video Profile, only the deviations listed in `DEVIATIONS` are accepted, each
   matched by model, error location and error type, and most only for values the
   profile allows. Every other Ralph error fails the check.
2. `profile_problems`: the rules of XAPI-REFERENCE.md and SPEC.md section 3 that Ralph
   does not check at all (it is *laxer* there): timestamp format, forbidden properties,
   the result extensions each video verb must carry, `result.completion` on `completed`
   only, the session id on every video statement, value ranges.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RALPH_PYTHON = ROOT / ".peers" / "ralph" / "bin" / "python"
CHECK_SCRIPT = Path(__file__).with_name("ralph_check.py")

EXT = "https://w3id.org/xapi/video/extensions/"
VIDEO_TYPE = "https://w3id.org/xapi/video/activity-type/video"
VIDEO_VERBS = {
    "http://adlnet.gov/expapi/verbs/initialized": "initialized",
    "https://w3id.org/xapi/video/verbs/played": "played",
    "https://w3id.org/xapi/video/verbs/paused": "paused",
    "https://w3id.org/xapi/video/verbs/seeked": "seeked",
    "http://adlnet.gov/expapi/verbs/interacted": "interacted",
    "http://adlnet.gov/expapi/verbs/completed": "completed",
    "http://adlnet.gov/expapi/verbs/terminated": "terminated",
}
PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_SEGMENT = r"\d+(\.\d{1,3})?\[\.\]\d+(\.\d{1,3})?"
SEGMENTS = re.compile(rf"^{_SEGMENT}(\[,\]{_SEGMENT})*$")


def _ext(statement: dict[str, Any], part: str) -> dict[str, Any]:
    """`statement[part].extensions`, or {} when any level is missing."""
    holder = statement.get(part)
    extensions = holder.get("extensions") if isinstance(holder, dict) else None
    return extensions if isinstance(extensions, dict) else {}


def _is_unit_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


@dataclass(frozen=True)
class Deviation:
    """One place where Ralph 5.1.0 is narrower than the Video Profile, and why."""

    models: frozenset[str]
    loc: tuple[str, ...]  # prefix of the error location
    type: str
    why: str
    applies: Callable[[dict[str, Any], dict[str, Any]], bool] = lambda statement, error: True

    def matches(self, statement: dict[str, Any], error: dict[str, Any]) -> bool:
        """True when `error` (as ralph_check.py reports it) is this known deviation."""
        loc = tuple(str(part) for part in error["loc"])
        return (
            error["model"] in self.models
            and loc[: len(self.loc)] == self.loc
            and error["type"] == self.type
            and self.applies(statement, error)
        )


DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        frozenset({"VideoInitialized", "VideoVolumeChangeInteraction"}),
        ("context", "extensions", EXT + "volume"),
        "int_from_float",
        # Ralph types `volume` as int; the profile says a number from 0 to 1, so 0.5 is
        # the normal case. Accepted only for numbers in [0, 1].
        "Ralph wants an integer volume; the profile's volume is a number in 0..1",
        lambda statement, error: _is_unit_number(error.get("input")),
    ),
    Deviation(
        frozenset({"VideoEnableClosedCaptioning"}),
        ("result", "extensions", EXT + "cc-enabled"),
        "missing",
        # The profile defines cc-enabled as a *context* extension (checked there by
        # profile_problems: a JSON boolean, sent with cc-subtitle-enabled); Ralph also
        # wants it in result.extensions, where the profile never requires it.
        "Ralph wants cc-enabled in result.extensions too; the profile has it in context",
    ),
    Deviation(
        frozenset({"VideoEnableClosedCaptioning"}),
        ("context", "extensions", EXT + "cc-subtitle-lang"),
        "missing",
        # The profile makes cc-subtitle-lang optional (there is none when captions are
        # turned off or the track has no language); Ralph requires it.
        "Ralph requires cc-subtitle-lang on caption interactions; the profile does not",
    ),
    Deviation(
        frozenset({"VideoScreenChangeInteraction"}),
        ("context", "extensions", EXT + "screen-size"),
        "missing",
        # A full-screen interaction carries the extension that changed (full-screen);
        # Ralph also requires screen-size, which the profile leaves optional.
        "Ralph requires screen-size on full-screen interactions; the profile does not",
    ),
    Deviation(
        frozenset({"VideoScreenChangeInteraction"}),
        ("context", "extensions", EXT + "video-playback-size"),
        "missing",
        # Same as screen-size: optional in the profile, required by Ralph.
        "Ralph requires video-playback-size on full-screen interactions; the profile does not",
    ),
    Deviation(
        frozenset(
            {
                "VideoInitialized",
                "VideoPlayed",
                "VideoPaused",
                "VideoSeeked",
                "VideoCompleted",
                "VideoTerminated",
                "VideoEnableClosedCaptioning",
                "VideoVolumeChangeInteraction",
                "VideoScreenChangeInteraction",
                "VideoOtherInteraction",
            }
        ),
        ("verb", "display"),
        "literal_error",
        # xAPI's display is any language map (other languages, other wording); Ralph's
        # video verbs demand exactly {"en-US": "<verb>"}. The generic model still checks
        # that display is a valid language map.
        'Ralph wants verb display exactly {"en-US": "<verb>"}; xAPI allows any language map',
    ),
)

INTERACTION_EXTENSIONS = {
    EXT + name
    for name in (
        "cc-enabled",
        "cc-subtitle-enabled",
        "cc-subtitle-lang",
        "full-screen",
        "screen-size",
        "video-playback-size",
        "speed",
        "volume",
        "quality",
        "frame-rate",
        "track",
    )
}

# What each verb must carry (XAPI-REFERENCE.md "Video Profile"; progressed: SPEC.md §3).
MUST_CARRY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # verb: (context extensions, result extensions)
    "initialized": (("length",), ()),
    "played": ((), ("time",)),
    "paused": (("length",), ("time", "progress", "played-segments")),
    "seeked": ((), ("time-from", "time-to")),
    "interacted": ((), ("time",)),
    "completed": (("length",), ("time", "progress", "played-segments")),
    "terminated": (("length",), ("time", "progress", "played-segments")),
    "progressed": (("length",), ("time", "progress", "played-segments")),
}


TYPED_EXTENSIONS: tuple[tuple[str, str, str], ...] = (
    ("time", "result", "number"),
    ("time-from", "result", "number"),
    ("time-to", "result", "number"),
    ("progress", "result", "number"),
    ("played-segments", "result", "string"),
    ("length", "context", "number"),
    ("completion-threshold", "context", "number"),
    ("volume", "context", "number"),
    ("cc-enabled", "context", "boolean"),
    ("cc-subtitle-enabled", "context", "boolean"),
    ("full-screen", "context", "boolean"),
    ("speed", "context", "string"),
    ("screen-size", "context", "string"),
    ("video-playback-size", "context", "string"),
)


def where_of(key: str, where: str, context_ext: dict[str, Any], result_ext: dict[str, Any]) -> Any:
    """The value of video extension `key` in the result or context extensions."""
    return (result_ext if where == "result" else context_ext).get(EXT + key)


def _is_json(value: Any, kind: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def profile_problems(statement: dict[str, Any]) -> list[str]:
    """The reference's rules that Ralph's models do not check (it is laxer there)."""
    problems: list[str] = []
    if "id" not in statement:
        problems.append("id: missing (the client sets a UUID)")
    for prop in ("stored", "authority", "version"):
        if prop in statement:
            problems.append(f"{prop}: must not be sent (the LRS sets it)")
    timestamp = statement.get("timestamp")
    if not (isinstance(timestamp, str) and TIMESTAMP.match(timestamp)):
        problems.append(f"timestamp: {timestamp!r} is not RFC 3339 UTC with milliseconds")

    verb = statement.get("verb")
    verb_id = verb.get("id") if isinstance(verb, dict) else None
    obj = statement.get("object")
    definition = obj.get("definition") if isinstance(obj, dict) else None
    is_video = isinstance(definition, dict) and definition.get("type") == VIDEO_TYPE
    name = VIDEO_VERBS.get(verb_id) if is_video else None
    if is_video and verb_id == PROGRESSED:
        name = "progressed"
    if name is None:
        return problems

    context_ext, result_ext = _ext(statement, "context"), _ext(statement, "result")
    if EXT + "session-id" not in context_ext:
        problems.append("context.extensions: session-id missing on a video statement")
    need_context, need_result = MUST_CARRY[name]
    problems += [
        f"context.extensions: {key} missing on {name}"
        for key in need_context
        if EXT + key not in context_ext
    ]
    problems += [
        f"result.extensions: {key} missing on {name}"
        for key in need_result
        if EXT + key not in result_ext
    ]
    if name == "seeked" and EXT + "time" in result_ext:
        problems.append("result.extensions: seeked carries time-from/time-to, not time")
    if name == "interacted" and not INTERACTION_EXTENSIONS & set(context_ext):
        problems.append("context.extensions: interacted without the extension that changed")
    if (EXT + "cc-enabled" in context_ext) != (EXT + "cc-subtitle-enabled" in context_ext):
        problems.append("context.extensions: send both cc-enabled and cc-subtitle-enabled")

    result = statement.get("result")
    result = result if isinstance(result, dict) else {}
    if name == "completed":
        if result.get("completion") is not True:
            problems.append("result.completion: must be true on completed")
        if "duration" not in result:
            problems.append("result.duration: missing on completed")
    elif "completion" in result:
        problems.append(f"result.completion: only on completed, not on {name}")

    # Ralph's pydantic models run in lax mode: "yes" passes as a boolean, "3.0" as a number.
    for key, where, kind in TYPED_EXTENSIONS:
        value = where_of(key, where, context_ext, result_ext)
        if value is not None and not _is_json(value, kind):
            problems.append(f"{key}: {value!r} is not a JSON {kind}")
    for key, where in (
        ("progress", result_ext),
        ("volume", context_ext),
        ("completion-threshold", context_ext),
    ):
        if EXT + key in where and not _is_unit_number(where[EXT + key]):
            problems.append(f"{key}: {where[EXT + key]!r} is not a number in 0..1")
    segments = result_ext.get(EXT + "played-segments")
    if (
        segments is not None
        and segments != ""
        and not (isinstance(segments, str) and SEGMENTS.match(segments))
    ):
        problems.append(f"played-segments: {segments!r} is not start[.]end[,]...")
    return problems


class XapiValidator:
    """A long-lived ralph_check.py process plus the profile rules; one per test session."""

    def __init__(self, python: Path = RALPH_PYTHON, script: Path = CHECK_SCRIPT) -> None:
        if not python.exists():
            raise RuntimeError(f"{python} is missing: run scripts/install --test")
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())
        self._proc = subprocess.Popen(
            [str(python), str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
        )
        self._lock = threading.Lock()

    def ralph_verdict(self, statement: dict[str, Any]) -> dict[str, Any]:
        """Ralph's raw answer for one statement: {"models": [...], "errors": [...]}."""
        line = json.dumps(statement, ensure_ascii=False)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        with self._lock:
            self._proc.stdin.write(line + "\n")
            self._proc.stdin.flush()
            answer = self._proc.stdout.readline()
        if not answer:
            self._stderr.seek(0)
            tail = self._stderr.read()[-2000:]
            raise RuntimeError(f"ralph_check.py died (exit {self._proc.poll()}):\n{tail}")
        return json.loads(answer)

    def problems(self, statement: dict[str, Any]) -> list[str]:
        """Every reason this statement is invalid; [] when it is valid."""
        if not isinstance(statement, dict):
            return [f"not a JSON object: {type(statement).__name__}"]
        try:
            verdict = self.ralph_verdict(statement)
        except (TypeError, ValueError) as exc:
            return [f"not JSON-serialisable: {exc}"]
        errors = [
            error
            for error in verdict["errors"]
            if not any(dev.matches(statement, error) for dev in DEVIATIONS)
        ]
        return [f"profile: {p}" for p in profile_problems(statement)] + _describe(errors)

    def check(self, statements: Iterable[dict[str, Any]]) -> None:
        """Raise AssertionError naming each invalid statement and why."""
        failures = []
        for index, statement in enumerate(statements):
            problems = self.problems(statement)
            if problems:
                label = _label(statement, index)
                shown = problems[:15] + (
                    [f"... and {len(problems) - 15} more"] if len(problems) > 15 else []
                )
                failures.append(label + "\n" + "\n".join("    " + p for p in shown))
        if failures:
            raise AssertionError(f"{len(failures)} invalid statement(s):\n" + "\n".join(failures))

    def close(self) -> None:
        """End the subprocess (closing stdin makes it exit) and wait for it."""
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout:
            self._proc.stdout.close()
        self._stderr.close()


def _describe(errors: list[dict[str, Any]]) -> list[str]:
    """Ralph's errors as lines, shortened so that the real reason stays visible.

    A union (actor: four Agent forms and four Group forms) yields one error per form;
    they become one line. An error the video model repeats from the generic one is shown
    once.
    """
    lines: list[str] = []
    unions: dict[str, list[str]] = {}
    seen: set[tuple[str, str, str]] = set()
    for error in errors:
        parts = [str(part) for part in error["loc"]]
        branch = next((i for i, p in enumerate(parts) if p.startswith("BaseXapi")), None)
        if branch is not None:
            where = ".".join(parts[:branch]) or "<statement>"
            detail = ".".join(parts[branch + 1 :])
            unions.setdefault(where, []).append(f"{detail}: {error['msg']}")
            continue
        loc = ".".join(parts) or "<statement>"
        if (loc, error["type"], error["msg"]) in seen:
            continue
        seen.add((loc, error["type"], error["msg"]))
        lines.append(f"Ralph {error['model']}: {loc}: {error['msg']} [{error['type']}]")
    for where, details in unions.items():
        unique = list(dict.fromkeys(details))
        lines.append(f"Ralph: {where}: fits none of its forms: " + "; ".join(unique[:4]))
    return lines


def _label(statement: Any, index: int) -> str:
    if not isinstance(statement, dict):
        return f"#{index}"
    verb = statement.get("verb")
    verb_id = verb.get("id", "?") if isinstance(verb, dict) else "?"
    return f"#{index} id={statement.get('id')} verb={str(verb_id).rsplit('/', 1)[-1]}"


@pytest.fixture(scope="session")
def xapi_validator() -> Iterator[XapiValidator]:
    """One Ralph process for the whole session: importing Ralph takes about a second."""
    validator = XapiValidator()
    yield validator
    validator.close()
