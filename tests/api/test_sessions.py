"""Viewing sessions through the API: start, batches, ownership, ends, duplicates."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from support.viewing import Viewer, verbs

from videoxapi.xapi.vocabulary import SESSION_ID

from .conftest import Api


def watched(viewer: Viewer) -> list[dict]:
    return viewer.play() + viewer.watch(5) + viewer.pause() + viewer.seek(80.0) + viewer.play()


def test_start_answers_the_mode_and_enqueues_initialized(api: Api, xapi_validator) -> None:
    answer = api.start(Viewer("s1"))
    assert answer.status_code == 200
    assert answer.json() == {"session": "s1", "enabled": True, "beaconInterval": "quarters"}
    statements = api.statements()
    assert verbs(statements) == ["initialized"]
    assert statements[0]["actor"]["mbox"] == "mailto:u1@example.com"  # from the token
    xapi_validator.check(statements)


def test_the_actor_comes_from_the_token(api: Api) -> None:
    api.start(Viewer("s1"), headers=api.auth("u9", email="zoe@example.com", name="Zoe"))
    assert api.statements()[0]["actor"]["mbox"] == "mailto:zoe@example.com"


def test_a_player_without_time_updates_is_told_quarters(api: Api) -> None:
    api.configure(beaconInterval="onePercent")
    assert api.start(Viewer("s1")).json()["beaconInterval"] == "onePercent"
    assert api.start(Viewer("s2", time_updates=False)).json()["beaconInterval"] == "quarters"


def test_a_repeated_start_is_harmless(api: Api) -> None:
    api.start(Viewer("s1"))
    before = api.snapshot()
    again = api.start(Viewer("s1"))
    assert again.status_code == 200 and again.json()["enabled"] is True
    assert api.snapshot() == before


def test_starting_another_users_session_id_is_forbidden(api: Api, nothing_written) -> None:
    api.start(Viewer("s1"))
    error = nothing_written(lambda: api.start(Viewer("s1"), headers=api.auth("intruder")), 403)
    assert "another user" in error


def test_user_in_the_body_is_refused(api: Api, nothing_written) -> None:
    event = Viewer("s1").start()[0]  # carries "user"
    error = nothing_written(
        lambda: api.post("/api/v1/sessions", json=event, headers=api.auth()), 422
    )
    assert error.startswith("user:")


def test_events_are_applied_and_yield_valid_statements(api: Api, xapi_validator) -> None:
    viewer = Viewer("s1")
    api.start(viewer)
    events = watched(viewer) + viewer.watch(20) + viewer.ended() + viewer.end()
    for start in range(0, len(events), 10):
        answer = api.send(viewer, events[start : start + 10])
        assert answer.status_code == 200, answer.text
    statements = api.statements()
    assert verbs(statements)[0] == "initialized" and verbs(statements)[-1] == "terminated"
    assert "completed" not in verbs(statements)  # 25 of 100 s watched
    assert {"played", "paused", "seeked", "progressed"} <= set(verbs(statements))
    xapi_validator.check(statements)
    session_state, _ = api.store.load_tracking(api.site, "s1")
    assert session_state is not None


def test_a_retried_batch_counts_duplicates_and_changes_nothing(api: Api) -> None:
    viewer = Viewer("s1")
    api.start(viewer)
    batch = viewer.play() + viewer.watch(2)
    assert api.send(viewer, batch).json() == {"applied": 9, "duplicates": 0, "enabled": True}
    before = api.snapshot()
    assert api.send(viewer, batch).json() == {"applied": 0, "duplicates": 9, "enabled": True}
    assert api.snapshot() == before
    more = viewer.pause()
    assert api.send(viewer, batch[-2:] + more).json()["applied"] == 1


def test_a_batch_is_applied_in_seq_order(api: Api) -> None:
    ordered, shuffled = Viewer("s1"), Viewer("s2", entry_id="other")
    for viewer in (ordered, shuffled):
        api.start(viewer)
    batch = watched(ordered)
    api.send(ordered, batch)
    reversed_batch = [dict(e, session="s2") for e in reversed(watched(shuffled))]
    assert api.send(shuffled, reversed_batch).json()["applied"] == len(batch)
    by_session: dict[str, list[str]] = {}
    for statement in api.statements():
        session = statement["context"]["extensions"][
            "https://w3id.org/xapi/video/extensions/session-id"
        ]
        by_session.setdefault(session, []).append(statement["verb"]["id"])
    first, second = by_session.values()
    assert first == second


def test_events_after_the_end_are_refused_with_409(api: Api, nothing_written) -> None:
    viewer = Viewer("s1")
    api.start(viewer)
    api.send(viewer, viewer.play() + viewer.watch(1) + viewer.end())
    late = viewer.play()
    error = nothing_written(lambda: api.send(viewer, late), 409)
    assert "over" in error
    # the retried last batch is still harmless
    assert api.send(viewer, [late[0] | {"seq": 1}]).json()["duplicates"] == 1


def test_an_end_inside_a_batch_refuses_what_follows_it(api: Api, nothing_written) -> None:
    viewer = Viewer("s1")
    api.start(viewer)
    batch = viewer.play() + viewer.end() + viewer.play()
    assert "is over" in nothing_written(lambda: api.send(viewer, batch), 409)


def test_another_users_token_cannot_post_to_a_session(api: Api, nothing_written) -> None:
    viewer = Viewer("s1")
    api.start(viewer)
    batch = viewer.play()
    error = nothing_written(lambda: api.send(viewer, batch, headers=api.auth("mallory")), 403)
    assert "another user" in error


def test_an_unknown_session_is_404(api: Api, nothing_written) -> None:
    viewer = Viewer("nope")
    batch = viewer.play()
    error = nothing_written(lambda: api.send(viewer, batch), 404, session="nope")
    assert "never started" in error


def test_an_event_of_another_session_in_the_batch_is_refused(api: Api, nothing_written) -> None:
    viewer = Viewer("s1")
    api.start(viewer)
    batch = [*viewer.play(), dict(viewer.pause()[0], session="other")]
    error = nothing_written(lambda: api.send(viewer, batch), 422)
    assert error.startswith("events[1].session")


def test_statement_timestamps_are_never_in_the_future(api: Api) -> None:
    ahead = api.clock() + timedelta(days=1)
    viewer = Viewer("s1", at=ahead)
    api.start(viewer)
    api.send(viewer, viewer.play() + viewer.watch(1))
    latest = (api.clock() + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.999Z")
    stamps = [s["timestamp"] for s in api.statements()]
    assert stamps and all(stamp <= latest for stamp in stamps)


def test_a_disabled_site_tracks_nothing(api: Api) -> None:
    api.configure(enabled=False)
    viewer = Viewer("s1")
    before = api.snapshot()
    assert api.start(viewer).json() == {
        "session": "s1",
        "enabled": False,
        "beaconInterval": "quarters",
    }
    answer = api.send(viewer, viewer.play())
    assert answer.json() == {"applied": 0, "duplicates": 0, "enabled": False}
    assert api.snapshot() == before


def test_settings_saved_apply_to_the_next_request(api: Api) -> None:
    api.start(Viewer("s1"))
    api.configure(enabled=False)
    assert api.start(Viewer("s2")).json()["enabled"] is False


def test_batches_arriving_together_are_all_kept_and_a_refused_one_changes_nothing(
    api: Api,
) -> None:
    """On SQLite the requests of one turn of the event loop share a commit: every
    accepted batch is durable once answered, and the one refused among them (before it
    wrote anything) leaves the others be."""
    viewers = [Viewer(f"s{n}") for n in range(12)]
    for viewer in viewers:
        assert api.start(viewer).status_code == 200
    batches = [watched(viewer) for viewer in viewers]
    stranger = Viewer("never-started")

    async def all_at_once() -> list:
        sent = [
            api.client.post(
                f"/api/v1/sessions/{viewer.session}/events",
                json={"events": batch},
                headers=api.auth(),
            )
            for viewer, batch in zip(viewers, batches, strict=True)
        ]
        refused = api.client.post(
            "/api/v1/sessions/never-started/events",
            json={"events": stranger.play()},
            headers=api.auth(),
        )
        return await asyncio.gather(*sent[:6], refused, *sent[6:])

    answers = api.loop.run_until_complete(all_at_once())
    assert answers[6].status_code == 404
    kept = answers[:6] + answers[7:]
    assert [a.json()["applied"] for a in kept] == [len(b) for b in batches]
    assert api.store.load_tracking(api.site, "never-started") == (None, None)
    per_session: dict[str, int] = {}
    for statement in api.statements():
        session = statement["context"]["extensions"][SESSION_ID]
        per_session[session] = per_session.get(session, 0) + 1
    assert len(per_session) == 12 and all(count > 2 for count in per_session.values())
