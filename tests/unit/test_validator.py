"""The statement validator accepts statements written by XAPI-REFERENCE.md, rejects breakage.

The samples below follow XAPI-REFERENCE.md to the letter (one per video verb with the
extensions each must carry, a progressed beacon, an answered cmi.interaction, a liked), so
that a validator that rejects them is wrong, and one that accepts the broken variants is
useless.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from support.validator import DEVIATIONS, XapiValidator

EXT = "https://w3id.org/xapi/video/extensions/"
VIDEO = "https://w3id.org/xapi/video/activity-type/video"
SESSION_ID = "5d6f7a52-9a3c-4e59-9d43-7a8c6f0d2b11"
REGISTRATION = "0f8e3c1a-2b4d-4e6f-8a9b-1c2d3e4f5a6b"
ACTOR = {
    "objectType": "Agent",
    "account": {"homePage": "https://videos.example.org", "name": "u42"},
}
MEDIA = {
    "id": "https://videos.example.org/media/0_abc123",
    "objectType": "Activity",
    "definition": {"type": VIDEO, "name": {"en": "Introduction"}},
}
PROFILE = {
    "id": "https://w3id.org/xapi/video",
    "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
}
VERBS = {
    "initialized": "http://adlnet.gov/expapi/verbs/initialized",
    "played": "https://w3id.org/xapi/video/verbs/played",
    "paused": "https://w3id.org/xapi/video/verbs/paused",
    "seeked": "https://w3id.org/xapi/video/verbs/seeked",
    "interacted": "http://adlnet.gov/expapi/verbs/interacted",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "terminated": "http://adlnet.gov/expapi/verbs/terminated",
    "progressed": "http://adlnet.gov/expapi/verbs/progressed",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "liked": "https://w3id.org/xapi/acrossx/verbs/liked",
}


def statement(verb: str, n: int, **parts: Any) -> dict[str, Any]:
    """A statement with a fixed id per sample, the common actor and timestamp."""
    return {
        "id": f"6a1c0e4e-0000-4000-8000-{n:012d}",
        "timestamp": "2024-05-01T10:00:00.000Z",
        "actor": ACTOR,
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": MEDIA,
        **parts,
    }


def video(verb: str, n: int, result: dict[str, Any] | None = None, **ctx: Any) -> dict[str, Any]:
    """A Video Profile statement: the profile category, session-id, length, `ctx` extras."""
    extensions = {EXT + "session-id": SESSION_ID, EXT + "length": 24.0}
    extensions.update({EXT + key.replace("_", "-"): value for key, value in ctx.items()})
    parts: dict[str, Any] = {
        "context": {
            "registration": REGISTRATION,
            "contextActivities": {"category": [PROFILE]},
            "extensions": extensions,
        }
    }
    if result is not None:
        parts["result"] = result
    return statement(verb, n, **parts)


def res(**extensions: Any) -> dict[str, Any]:
    """result.extensions from keyword names (time_from -> time-from)."""
    return {"extensions": {EXT + k.replace("_", "-"): v for k, v in extensions.items()}}


SEGMENTS = "0.000[.]12.500[,]14.000[.]21.000"


def samples() -> dict[str, dict[str, Any]]:
    """Valid statements, one per kind videoxapi sends."""
    return {
        "initialized": video(
            "initialized",
            1,
            completion_threshold=0.9,
            volume=0.5,
            cc_enabled=False,
            cc_subtitle_enabled=False,
            speed="1x",
            full_screen=False,
        ),
        "played": video("played", 2, res(time=0.0)),
        "paused": video(
            "paused", 3, res(time=12.5, progress=0.521, played_segments="0.000[.]12.500")
        ),
        "seeked": video("seeked", 4, res(time_from=12.5, time_to=14.0)),
        "interacted-volume": video("interacted", 5, res(time=3.0), volume=0.25),
        "interacted-captions": video(
            "interacted", 6, res(time=3.0), cc_enabled=True, cc_subtitle_enabled=True
        ),
        "interacted-captions-lang": video(
            "interacted",
            7,
            res(time=3.0),
            cc_enabled=True,
            cc_subtitle_enabled=True,
            cc_subtitle_lang="fr",
        ),
        "interacted-captions-language": video(
            "interacted", 17, res(time=4.0), cc_subtitle_lang="de"
        ),
        "interacted-full-screen": video("interacted", 8, res(time=3.0), full_screen=True),
        "interacted-speed": video("interacted", 9, res(time=3.0), speed="1.5x"),
        "interacted-quality": video("interacted", 10, res(time=3.0), quality="720p"),
        "completed": video(
            "completed",
            11,
            {"completion": True, "duration": "PT19.5S"}
            | res(time=21.0, progress=0.813, played_segments=SEGMENTS),
        ),
        "terminated": video(
            "terminated", 12, res(time=21.0, progress=0.813, played_segments=SEGMENTS)
        ),
        "progressed": statement(
            "progressed",
            13,
            result=res(time=6.1, progress=0.25, played_segments="0.000[.]6.100"),
            context={
                "registration": REGISTRATION,
                "extensions": {EXT + "session-id": SESSION_ID, EXT + "length": 24.0},
            },
        ),
        "answered": statement(
            "answered",
            14,
            object={
                "id": "https://videos.example.org/media/0_abc123/quiz/q1/question/3",
                "objectType": "Activity",
                "definition": {
                    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                    "name": {"en": "Which colours?"},
                    "interactionType": "choice",
                    "choices": [
                        {"id": "red", "description": {"en": "Red"}},
                        {"id": "blue", "description": {"en": "Blue"}},
                    ],
                },
            },
            result={"response": "red[,]blue", "success": True},
            context={"registration": REGISTRATION, "contextActivities": {"parent": [MEDIA]}},
        ),
        "liked": statement("liked", 15, context={"registration": REGISTRATION}),
        "mbox-actor": video("played", 16, res(time=1.0))
        | {"actor": {"mbox": "mailto:ann@example.org", "name": "Ann"}},
    }


@pytest.mark.parametrize("kind", list(samples()))
def test_a_statement_written_by_the_reference_is_valid(
    xapi_validator: XapiValidator, kind: str
) -> None:
    xapi_validator.check([samples()[kind]])


def test_all_samples_pass_in_one_batch(xapi_validator: XapiValidator) -> None:
    xapi_validator.check(samples().values())


def test_every_listed_ralph_deviation_is_met_by_some_sample(xapi_validator: XapiValidator) -> None:
    """Each accepted deviation must be needed: a stale entry would hide real errors."""
    used = set()
    for sample in samples().values():
        for error in xapi_validator.ralph_verdict(sample)["errors"]:
            used |= {i for i, dev in enumerate(DEVIATIONS) if dev.matches(sample, error)}
    display = next(i for i, dev in enumerate(DEVIATIONS) if dev.loc == ("verb", "display"))
    other_display = samples()["played"]
    other_display["verb"]["display"] = {"en-US": "played", "fr-FR": "a lu"}
    for error in xapi_validator.ralph_verdict(other_display)["errors"]:
        used |= {display} if DEVIATIONS[display].matches(other_display, error) else set()
    assert used == set(range(len(DEVIATIONS)))


def test_ralph_checks_the_video_model_not_only_the_generic_one(
    xapi_validator: XapiValidator,
) -> None:
    assert xapi_validator.ralph_verdict(samples()["paused"])["models"] == [
        "BaseXapiStatement",
        "VideoPaused",
    ]
    assert xapi_validator.ralph_verdict(samples()["liked"])["models"] == ["BaseXapiStatement"]


def _without(path: str) -> Callable[[dict[str, Any]], None]:
    def edit(s: dict[str, Any]) -> None:
        *parents, last = path.split("|")
        node = s
        for key in parents:
            node = node[key]
        del node[last]

    return edit


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(s: dict[str, Any]) -> None:
        *parents, last = path.split("|")
        node = s
        for key in parents:
            node = node[key]
        node[last] = value

    return edit


BREAKAGES: list[tuple[str, str, Callable[[dict[str, Any]], None], str]] = [
    # (name, sample, edit, a fragment of the expected message)
    (
        "paused without played-segments",
        "paused",
        _without(f"result|extensions|{EXT}played-segments"),
        "played-segments missing",
    ),
    (
        "two actor identifiers",
        "played",
        _set("actor|mbox", "mailto:ann@example.org"),
        "Extra inputs are not permitted",
    ),
    ("impossible timestamp", "played", _set("timestamp", "2024-02-30T10:00:00.000Z"), "timestamp"),
    (
        "timestamp without zone",
        "played",
        _set("timestamp", "2024-05-01T10:00:00.000"),
        "not RFC 3339 UTC",
    ),
    (
        "video statement without session-id",
        "paused",
        _without(f"context|extensions|{EXT}session-id"),
        "session-id",
    ),
    ("seeked without session-id", "seeked", _without("context|extensions"), "session-id missing"),
    ("result.completion on played", "played", _set("result|completion", True), "only on completed"),
    ("completed without completion", "completed", _without("result|completion"), "must be true"),
    ("seeked with time", "seeked", _set(f"result|extensions|{EXT}time", 3.0), "not time"),
    ("volume above 1", "interacted-volume", _set(f"context|extensions|{EXT}volume", 1.5), "volume"),
    (
        "captions interaction without result time",
        "interacted-captions",
        _without(f"result|extensions|{EXT}time"),
        "time",
    ),
    (
        "full-screen not a boolean",
        "interacted-full-screen",
        _set(f"context|extensions|{EXT}full-screen", "yes"),
        "full-screen",
    ),
    (
        "no profile category",
        "played",
        _set("context|contextActivities|category", [MEDIA]),
        "category",
    ),
    ("bad verb IRI", "liked", _set("verb|id", "liked"), "verb.id"),
    ("unknown property", "liked", _set("mood", "happy"), "mood"),
    ("stored sent by the client", "liked", _set("stored", "2024-05-01T10:00:00.000Z"), "stored"),
    ("bad duration", "completed", _set("result|duration", "19.5 seconds"), "duration"),
    (
        "verb display not a language map",
        "played",
        _set("verb|display", {"english": "x"}),
        "verb.display",
    ),
    (
        "progressed without progress",
        "progressed",
        _without(f"result|extensions|{EXT}progress"),
        "progress missing",
    ),
    (
        "interaction type unknown",
        "answered",
        _set("object|definition|interactionType", "multiple-choice"),
        "interactionType",
    ),
]


@pytest.mark.parametrize(
    ("sample", "edit", "expected"),
    [b[1:] for b in BREAKAGES],
    ids=[b[0] for b in BREAKAGES],
)
def test_a_broken_statement_fails_with_the_reason(
    xapi_validator: XapiValidator,
    sample: str,
    edit: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    broken = copy.deepcopy(samples()[sample])
    edit(broken)
    with pytest.raises(AssertionError) as failure:
        xapi_validator.check([samples()["liked"], broken])
    message = str(failure.value)
    assert "1 invalid statement(s)" in message
    assert f"id={broken['id']}" in message
    assert expected in message


def test_a_batch_names_every_invalid_statement(xapi_validator: XapiValidator) -> None:
    first, second = samples()["played"], samples()["paused"]
    first["timestamp"] = "yesterday"
    second["result"] = {"completion": True}
    with pytest.raises(AssertionError, match=r"2 invalid statement\(s\)") as failure:
        xapi_validator.check([first, samples()["liked"], second])
    assert "#0 " in str(failure.value) and "#2 " in str(failure.value)
