"""The tracking rules of SPEC sections 3-5, observed through the statements produced."""

from __future__ import annotations

import pytest
from support.viewing import (
    Viewer,
    context_ext,
    of_verb,
    result_ext,
    run,
    settings,
    verbs,
)

from videoxapi.errors import InvalidEvent, SessionOver, UnknownSession
from videoxapi.events import parse_event
from videoxapi.processing import MemoryTracker
from videoxapi.tracking.session import beacon_period
from videoxapi.xapi.formats import timestamp


@pytest.fixture
def checked(xapi_validator):
    """`run`, with every statement checked by the independent validator."""

    def run_checked(events, site_settings=None, **options):
        statements = run(events, site_settings, **options)
        xapi_validator.check(statements)
        return statements

    return run_checked


def test_a_session_starts_with_initialized_whose_id_is_the_session_id(checked):
    viewer = Viewer()
    statements = checked(viewer.start())
    assert verbs(statements) == ["initialized"]
    assert context_ext(statements[0], "session-id") == statements[0]["id"]
    assert context_ext(statements[0], "length") == 100.0


def test_play_watch_pause_builds_one_segment_and_progress(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.play() + viewer.watch(30) + viewer.pause()
    statements = checked(events)
    assert verbs(statements) == ["initialized", "played", "progressed", "progressed", "paused"]
    paused = of_verb(statements, "paused")[0]
    assert result_ext(paused, "time") == 30.0
    assert result_ext(paused, "progress") == 0.3
    assert result_ext(paused, "played-segments") == "0.000[.]30.000"


def test_seek_closes_the_segment_and_dragging_counts_nothing(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.play() + viewer.watch(10) + viewer.seek(90)
    events += viewer.watch(5) + viewer.pause()
    statements = checked(events)
    seeked = of_verb(statements, "seeked")[0]
    assert seeked["result"]["extensions"] == {
        "https://w3id.org/xapi/video/extensions/time-from": 10.0,
        "https://w3id.org/xapi/video/extensions/time-to": 90.0,
    }
    paused = of_verb(statements, "paused")[0]
    assert result_ext(paused, "played-segments") == "0.000[.]10.000[,]90.000[.]95.000"
    assert result_ext(paused, "progress") == 0.15
    assert "completed" not in verbs(statements)


def test_a_jump_without_a_seek_event_is_not_counted_as_watched(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.play() + viewer.watch(5)
    viewer.position = 80.0  # the player jumped there, reporting no seek
    events += viewer.watch(1) + viewer.pause()
    paused = of_verb(checked(events), "paused")[0]
    # The first position reported after the jump opens the new segment.
    assert result_ext(paused, "played-segments") == "0.000[.]5.000[,]80.250[.]81.000"


def test_play_while_playing_is_a_heartbeat_not_a_new_played(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.play() + viewer.watch(2)
    events += [dict(viewer.play()[0], position=viewer.position)]
    assert verbs(checked(events)).count("played") == 1


def test_pause_while_paused_produces_nothing(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.play() + viewer.watch(2) + viewer.pause() + viewer.pause()
    assert verbs(checked(events)).count("paused") == 1


def test_positions_past_the_duration_count_as_the_duration(checked):
    viewer = Viewer(duration=10)
    events = viewer.start() + viewer.play() + viewer.watch(9.75)
    late = viewer.watch(0.25)[0] | {"position": 12.5}
    events.append(late)
    events += viewer.pause()
    statements = checked(events)
    assert result_ext(of_verb(statements, "paused")[0], "time") == 10.0
    assert result_ext(of_verb(statements, "paused")[0], "progress") == 1.0


def test_negative_position_is_refused():
    tracker = MemoryTracker(settings())
    viewer = Viewer()
    tracker.process(parse_event(viewer.start()[0]))
    with pytest.raises(InvalidEvent, match="position"):
        tracker.process(parse_event(viewer.play()[0] | {"position": -1}))


def test_ended_closes_the_open_segment_at_the_duration_and_pauses(checked):
    viewer = Viewer(duration=20)
    events = viewer.start() + viewer.play() + viewer.watch(19.8) + viewer.ended()
    statements = checked(events)
    assert verbs(statements)[-3:] == ["progressed", "completed", "paused"]
    paused = of_verb(statements, "paused")[0]
    assert result_ext(paused, "time") == 20.0
    assert result_ext(paused, "played-segments") == "0.000[.]20.000"


def test_ended_right_after_a_pause_at_the_end_adds_no_second_paused(checked):
    viewer = Viewer(duration=20)
    events = viewer.start() + viewer.play() + viewer.watch(19.9) + viewer.pause()
    events += viewer.ended()
    assert verbs(checked(events)).count("paused") == 1


def test_completion_waits_for_the_threshold_with_half_a_second_of_tolerance(checked):
    viewer = Viewer(duration=100)
    events = viewer.start() + viewer.play() + viewer.watch(99.25)
    assert "completed" not in verbs(checked(events))
    events += viewer.watch(0.25)  # 99.5 s: within 0.5 s of the end
    completed = of_verb(checked(events), "completed")
    assert len(completed) == 1
    assert completed[0]["result"]["completion"] is True
    assert completed[0]["result"]["duration"] == "PT1M39.5S"


def test_video_end_percent_sets_the_threshold_and_every_statement_carries_it(checked):
    viewer = Viewer(duration=100)
    events = viewer.start() + viewer.play() + viewer.watch(79) + viewer.pause()
    assert "completed" not in verbs(checked(events, settings(videoEndPercent=80)))
    events += viewer.play() + viewer.watch(0.5)
    statements = checked(events, settings(videoEndPercent=80))
    assert "completed" in verbs(statements)
    assert all(context_ext(s, "completion-threshold") == 0.8 for s in statements)


def test_video_end_seconds_counts_from_the_end(checked):
    viewer = Viewer(duration=200)
    events = viewer.start() + viewer.play() + viewer.watch(150)
    statements = checked(events, settings(videoEndSeconds=50))
    completed = of_verb(statements, "completed")
    assert len(completed) == 1 and result_ext(completed[0], "time") == pytest.approx(149.5)
    assert context_ext(statements[0], "completion-threshold") == 0.75


def test_the_smaller_threshold_of_percent_and_seconds_wins(checked):
    viewer = Viewer(duration=100)
    events = viewer.start() + viewer.play() + viewer.watch(60)
    statements = checked(events, settings(videoEndPercent=90, videoEndSeconds=40))
    assert context_ext(statements[0], "completion-threshold") == 0.6
    assert "completed" in verbs(statements)


def test_end_seconds_beyond_the_duration_completes_on_first_play(checked):
    viewer = Viewer(duration=30)
    events = viewer.start() + viewer.play()
    statements = checked(events, settings(videoEndSeconds=60))
    assert verbs(statements)[-1] == "completed"
    assert "completion-threshold" not in statements[0]["context"]["extensions"] or (
        context_ext(statements[0], "completion-threshold") == 0
    )


def test_without_a_threshold_below_one_no_statement_carries_it(checked):
    viewer = Viewer()
    statements = checked(viewer.start() + viewer.play() + viewer.watch(5))
    assert all(context_ext(s, "completion-threshold") is None for s in statements)


def test_dragging_to_the_end_does_not_complete_under_the_watched_basis(checked):
    viewer = Viewer(duration=100)
    events = viewer.start() + viewer.play() + viewer.watch(5) + viewer.seek(99.8)
    events += viewer.watch(0.2) + viewer.ended()
    assert "completed" not in verbs(checked(events))


def test_position_basis_completes_when_the_playhead_reaches_the_threshold(checked):
    viewer = Viewer(duration=100)
    events = viewer.start() + viewer.play() + viewer.watch(5) + viewer.seek(99.8)
    statements = checked(events, settings(completionBasis="position"))
    assert verbs(statements)[-2:] == ["seeked", "completed"]


def test_completed_is_sent_once_per_registration_across_sessions(checked):
    first, second = Viewer("a"), Viewer("b", at=Viewer().at.replace(hour=12))
    events = first.start() + first.play() + first.watch(100) + first.end()
    events += second.start() + second.play() + second.watch(100) + second.end()
    assert verbs(checked(events)).count("completed") == 1


def test_segments_merge_across_sessions_of_one_registration(checked):
    first, second = Viewer("a"), Viewer("b", at=Viewer().at.replace(hour=12))
    events = first.start() + first.play() + first.watch(60) + first.end()
    events += second.start() + second.seek(40) + second.play() + second.watch(60)
    statements = checked(events)
    completed = of_verb(statements, "completed")
    assert len(completed) == 1
    # Detected at 99.5 s (0.5 s of tolerance), after 60 + 59.5 s of media played in the
    # registration: rewatching counts in the duration, not in the segments.
    assert result_ext(completed[0], "played-segments") == "0.000[.]99.500"
    assert completed[0]["result"]["duration"] == "PT1M59.5S"


def test_a_given_registration_separates_progress(checked):
    first = Viewer("a", registration="6d1f1c8e-0a53-4c7e-9f1b-1a2b3c4d5e6f")
    second = Viewer("b", registration="8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d")
    events = first.start() + first.play() + first.watch(50) + first.end()
    events += second.start() + second.play() + second.watch(10) + second.pause()
    statements = checked(events)
    paused = of_verb(statements, "paused")[-1]
    assert result_ext(paused, "progress") == 0.1
    assert paused["context"]["registration"] == "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d"


def test_progress_never_decreases_within_a_registration(checked):
    first, second = Viewer("a"), Viewer("b", at=Viewer().at.replace(hour=12))
    events = first.start() + first.play() + first.watch(50) + first.end()
    events += second.start() + second.play() + second.watch(5) + second.pause()
    paused = of_verb(checked(events), "paused")[-1]
    assert result_ext(paused, "progress") == 0.5


def test_quarters_beacons_report_each_milestone_once_in_order(checked):
    viewer = Viewer(duration=100)
    events = viewer.start() + viewer.play() + viewer.watch(100) + viewer.ended()
    beacons = of_verb(checked(events), "progressed")
    assert [result_ext(b, "progress") for b in beacons] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert result_ext(beacons[1], "time") == pytest.approx(24.5, abs=0.25)
    assert all("category" not in b["context"].get("contextActivities", {}) for b in beacons)


def test_a_jump_past_several_milestones_reports_each(checked):
    viewer = Viewer(duration=100, time_updates=False)
    events = viewer.start() + viewer.play() + viewer.watch(60, step=60)
    beacons = of_verb(checked(events), "progressed")
    assert [result_ext(b, "progress") for b in beacons] == [0.0, 0.25, 0.5]
    assert result_ext(beacons[1], "time") == result_ext(beacons[2], "time") == 60.0
    assert beacons[1]["id"] != beacons[2]["id"]


def test_quarters_milestones_survive_a_new_session_without_repeats(checked):
    first, second = Viewer("a"), Viewer("b", at=Viewer().at.replace(hour=12))
    events = first.start() + first.play() + first.watch(30) + first.end()
    events += second.start() + second.seek(30) + second.play() + second.watch(30)
    progress = [result_ext(b, "progress") for b in of_verb(checked(events), "progressed")]
    assert progress == [0.0, 0.25, 0.5]


@pytest.mark.parametrize(
    ("duration", "period"), [(50, 1.0), (100, 1.0), (600, 6.0), (3000, 30.0), (7200, 30.0)]
)
def test_one_percent_period_is_clamped_between_one_and_thirty_seconds(duration, period):
    assert beacon_period(duration) == period


def test_one_percent_beacons_every_period_of_playback_plus_first_play(checked):
    viewer = Viewer(duration=600)  # period 6 s
    events = viewer.start() + viewer.play() + viewer.watch(60) + viewer.pause()
    statements = checked(events, settings(beaconInterval="onePercent"))
    beacons = of_verb(statements, "progressed")
    assert len(beacons) == 11  # first play, then every 6 s of 60 s played
    times = [result_ext(b, "time") for b in beacons]
    assert times[0] == 0.0 and times[1] == pytest.approx(6.0)
    progress = [result_ext(b, "progress") for b in beacons]
    assert progress == sorted(progress) and progress[-1] == pytest.approx(0.1)


def test_one_percent_counts_playback_not_wall_time(checked):
    viewer = Viewer(duration=600)
    events = viewer.start() + viewer.play() + viewer.watch(3) + viewer.pause()
    viewer.wait(120)  # a long pause counts nothing
    events += viewer.play() + viewer.watch(2.5) + viewer.pause()
    beacons = of_verb(checked(events, settings(beaconInterval="onePercent")), "progressed")
    assert len(beacons) == 1


def test_a_quartiles_only_player_is_tracked_in_quarters_whatever_the_setting(checked):
    viewer = Viewer(duration=100, time_updates=False)
    events = viewer.start() + viewer.play()
    for _ in range(4):  # a player that only reports each quarter
        events += viewer.watch(25, step=25)
    events += viewer.ended()
    statements = checked(events, settings(beaconInterval="onePercent"))
    progress = [result_ext(b, "progress") for b in of_verb(statements, "progressed")]
    assert progress == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert "completed" in verbs(statements)


def test_interactions_carry_the_changed_setting(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.play() + viewer.watch(2) + viewer.ratechange(1.5)
    events += viewer.interaction("volumechange", volume=0.5, muted=False)
    events += viewer.interaction("fullscreen", on=True)
    events += viewer.interaction("captions", on=True, lang="fr")
    events += viewer.interaction("quality", value="720p")
    statements = of_verb(checked(events), "interacted")
    assert context_ext(statements[0], "speed") == "1.5x"
    assert context_ext(statements[1], "volume") == 0.5
    assert context_ext(statements[2], "full-screen") is True
    assert context_ext(statements[3], "cc-enabled") is True
    assert context_ext(statements[3], "cc-subtitle-lang") == "fr"
    assert context_ext(statements[4], "quality") == "720p"
    assert all(result_ext(s, "time") == 2.0 for s in statements)


def test_muting_reports_volume_zero(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.interaction("volumechange", volume=0.7, muted=True)
    assert context_ext(of_verb(checked(events), "interacted")[0], "volume") == 0


def test_end_while_playing_pauses_then_terminates_and_nothing_follows(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.play() + viewer.watch(10) + viewer.end()
    statements = checked(events)
    assert verbs(statements)[-2:] == ["paused", "terminated"]
    terminated = statements[-1]
    assert result_ext(terminated, "played-segments") == "0.000[.]10.000"
    tracker = MemoryTracker(settings())
    for event in events:
        tracker.process(parse_event(event))
    with pytest.raises(InvalidEvent, match="is over"):
        tracker.process(parse_event(viewer.play()[0]))


def test_end_while_paused_terminates_without_another_paused(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.play() + viewer.watch(10) + viewer.pause() + viewer.end()
    assert verbs(checked(events))[-2:] == ["paused", "terminated"]


def test_idle_close_pauses_and_terminates_at_the_last_event(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.play() + viewer.watch(10)
    statements = checked(events, close=True)
    assert verbs(statements)[-2:] == ["paused", "terminated"]
    assert statements[-1]["timestamp"] == timestamp(viewer.at)
    assert result_ext(statements[-1], "time") == 10.0


def test_a_repeated_seq_is_ignored(checked):
    viewer = Viewer()
    events = viewer.start() + viewer.play() + viewer.watch(3)
    once = checked(events)
    twice = checked(events[:1] + [e for e in events[1:] for _ in (0, 1)] + events)
    assert [s["id"] for s in twice] == [s["id"] for s in once]


def test_a_repeated_start_is_harmless(checked):
    viewer = Viewer()
    start = viewer.start()
    assert verbs(checked(start + start + viewer.play())) == ["initialized", "played", "progressed"]


def test_events_of_unknown_or_ended_sessions_are_refused():
    tracker = MemoryTracker(settings())
    viewer = Viewer()
    with pytest.raises(UnknownSession):
        tracker.process(parse_event(viewer.play()[0]))
    tracker.process(parse_event(viewer.start()[0]))
    end = viewer.end()[0]
    tracker.process(parse_event(end))
    assert tracker.process(parse_event(end)) == []  # a retried last batch is harmless
    assert tracker.process(parse_event(viewer.start()[0])) == []
    with pytest.raises(SessionOver):
        tracker.process(parse_event(viewer.play()[0]))


def test_statement_ids_are_stable_and_distinct(checked):
    def session():
        viewer = Viewer()
        return viewer.start() + viewer.play() + viewer.watch(100) + viewer.ended() + viewer.end()

    first, again = checked(session()), checked(session())
    ids = [s["id"] for s in first]
    assert ids == [s["id"] for s in again]
    assert len(set(ids)) == len(ids)
