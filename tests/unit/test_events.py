"""The event vocabulary: what parses, and the reason given for what does not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from videoxapi import events as ev
from videoxapi.errors import InvalidEvent

START = {
    "type": "start", "session": "s1", "at": "2026-11-26T10:00:00+01:00",
    "entry": {"id": "0_a", "title": "T", "duration": 12.5},
    "player": {"name": "html5", "version": "1", "timeUpdates": False},
}  # fmt: skip
PLAY = {"session": "s1", "seq": 1, "type": "play", "at": "2026-11-26T10:00:01Z", "position": 0}


def test_a_start_event_parses_with_times_in_utc():
    event = ev.parse_event(START)
    assert isinstance(event, ev.Start)
    assert event.at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert event.player.time_updates is False


@pytest.mark.parametrize(
    ("extra", "kind"),
    [({"type": "play"}, ev.Play), ({"type": "seek", "from": 1, "to": 5}, ev.Seek),
     ({"type": "volumechange", "volume": 0.5, "muted": True}, ev.VolumeChange),
     ({"type": "captions", "on": True, "lang": "fr"}, ev.Captions),
     ({"type": "quality", "value": "1080p"}, ev.Quality), ({"type": "end"}, ev.End)],
)  # fmt: skip
def test_player_events_parse_to_their_kind(extra, kind):
    assert isinstance(ev.parse_event(PLAY | extra), kind)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"session": "s1"}', "type is missing"),
        (b'{"type": "rewind"}', "unknown event type 'rewind'"),
        (
            b'{"type": "play", "session": "s1", "seq": 1, "at": "2026-11-26T10:00:00Z"}',
            "position: Field required",
        ),
        (
            b'{"type": "play", "session": "s1", "seq": 1, "at": "2026-11-26T10:00:00Z",'
            b' "position": -0.5}',
            "position: Input should be greater than or equal to 0",
        ),
        (
            b'{"type": "play", "session": "s1", "seq": "x", "at": "2026-11-26T10:00:00Z",'
            b' "position": 1}',
            "seq: Input should be a valid integer",
        ),
        (
            b'{"type": "play", "session": "s1", "seq": 0, "at": "2026-11-26T10:00:00Z",'
            b' "position": 1}',
            "seq: Input should be greater than or equal to 1",
        ),
        (
            b'{"type": "play", "session": "s1", "seq": 1, "at": "2026-11-26T10:00:00",'
            b' "position": 1}',
            "at: Input should have timezone info",
        ),
        (
            b'{"type": "play", "session": "s1", "seq": 1, "at": "2026-11-26T10:00:00Z",'
            b' "position": 1, "extra": true}',
            "extra: Extra inputs are not permitted",
        ),
        (
            b'{"type": "volumechange", "session": "s1", "seq": 1, "at": "2026-11-26T10:00:00Z",'
            b' "position": 1, "volume": 3}',
            "volume: Input should be less than or equal to 1",
        ),
    ],
)
def test_a_bad_event_is_refused_with_its_reason(raw, reason):
    with pytest.raises(InvalidEvent) as refused:
        ev.parse_event_json(raw)
    assert reason in str(refused.value)


def test_a_start_needs_a_positive_duration():
    with pytest.raises(InvalidEvent, match=r"entry\.duration"):
        ev.parse_event(START | {"entry": {"id": "0_a", "title": "T", "duration": 0}})


@pytest.mark.parametrize(
    "event",
    [
        {"type": "login", "id": "e1", "at": "2026-11-26T10:00:00Z", "user": {"id": "u"}},
        {"type": "comment", "id": "e2", "at": "2026-11-26T10:00:00Z", "user": {"id": "u"},
         "entry": {"id": "0_a", "title": "T"}, "comment": "Nice"},
        {"type": "questionAnswered", "id": "e3", "at": "2026-11-26T10:00:00Z",
         "user": {"id": "u"}, "entry": {"id": "0_a", "title": "T"},
         "quiz": {"id": "q", "title": "Q"},
         "question": {"id": "1", "text": "?", "kind": "choice",
                      "choices": [{"id": "a", "text": "A"}]},
         "response": ["a"], "correct": True},
    ],
)  # fmt: skip
def test_activity_events_parse(event):
    assert ev.parse_event(event).type == event["type"]


def test_a_like_needs_its_entry():
    with pytest.raises(InvalidEvent, match="entry: Field required"):
        ev.parse_event({"type": "like", "id": "e", "at": "2026-11-26T10:00:00Z",
                        "user": {"id": "u"}})  # fmt: skip


def test_an_email_must_look_like_one():
    with pytest.raises(InvalidEvent, match=r"user\.email"):
        ev.parse_event(START | {"user": {"id": "u", "email": "not-an-email"}})
