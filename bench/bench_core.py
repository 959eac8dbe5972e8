"""Throughput of the pure core, on one core: the tracker, the statement builder, and a
plain-dict baseline that says what "fast enough" means for the builder.

    .venv/bin/python bench/bench_core.py [--events N] [--repeat R] [--profile]

Events are parsed before timing: this measures the tracker, not pydantic. Targets
(SPEC-independent, set for this 2-core machine): >= 300,000 events/s per core through
`MemoryTracker.process` on a realistic mix, and a builder at least half as fast as the
plain-dict baseline.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Measure, measure, pin_to_one_core, settings, workload

from videoxapi import events as ev
from videoxapi.processing import MemoryTracker
from videoxapi.settings import SiteSettings
from videoxapi.tracking import session as tracking
from videoxapi.tracking.occurrences import Occurrence
from videoxapi.tracking.state import RegistrationState, SessionState
from videoxapi.xapi.identity import derived_registration, registration_key
from videoxapi.xapi.video import VideoStatements

TRACKER_TARGET = 300_000
BUILDER_ROUNDS = 20
NAMESPACE = UUID("6f1d8a52-3c1e-5b8e-9a0f-2f7c4d6b9e11")


def parsed_workload(count: int) -> list[ev.Event]:
    return [ev.parse_event(event) for event in workload(count)]


class Sessions:
    """Fresh tracker states for every session of the workload, the way `processing.start`
    makes them, so that `tracking.apply` can be timed alone."""

    def __init__(self, site_settings: SiteSettings, events: list[ev.Event]) -> None:
        self.settings = site_settings
        self.starts = [e for e in events if isinstance(e, ev.Start)]
        self.player_events = [e for e in events if not isinstance(e, ev.Start)]
        self.states: dict[str, tuple[SessionState, RegistrationState]] = {}
        self.initialized: list[tuple[SessionState, Occurrence]] = []

    def reset(self) -> None:
        self.states = {}
        self.initialized = []
        for event in self.starts:
            assert event.user is not None
            registration = str(derived_registration("default", event.user.id, event.entry.id))
            key = registration_key("default", registration, event.user.id, event.entry.id)
            registration_state = RegistrationState(key=key)
            session, occurrences = tracking.start_session(
                event,
                site="default",
                user=event.user,
                registration=registration,
                registration_state=registration_state,
                mode=self.settings.beacon_interval,
                threshold=self.settings.completion_threshold(event.entry.duration),
                basis=self.settings.completion_basis,
            )
            self.states[event.session] = (session, registration_state)
            self.initialized.extend((session, occurrence) for occurrence in occurrences)

    def apply_all(self) -> list[tuple[SessionState, Occurrence]]:
        """Apply every player event; returns each occurrence with its session."""
        out = list(self.initialized)
        states, apply = self.states, tracking.apply
        for event in self.player_events:
            session, registration = states[event.session]  # type: ignore[union-attr]
            for occurrence in apply(session, registration, event):  # type: ignore[arg-type]
                out.append((session, occurrence))
        for session, registration in states.values():
            for occurrence in tracking.close_idle(session, registration):
                out.append((session, occurrence))
        return out

    def apply_only(self) -> None:
        states, apply = self.states, tracking.apply
        for event in self.player_events:
            session, registration = states[event.session]  # type: ignore[union-attr]
            apply(session, registration, event)  # type: ignore[arg-type]


def plain_statement(builder: VideoStatements, occurrence: Occurrence, seg: str) -> bytes:
    """The baseline: a `paused`-shaped statement as one dict literal, uuid5 id, RFC 3339
    timestamp, then orjson. What any builder of this statement must at least do."""
    at = occurrence.at
    statement = {
        "id": str(
            uuid5(
                NAMESPACE,
                f"default\n{builder.session}\n{occurrence.seq}\n{occurrence.kind}\n"
                f"{occurrence.ordinal}",
            )
        ),
        "actor": {"objectType": "Agent", "mbox": "mailto:user1@example.com"},
        "verb": {"id": "https://w3id.org/xapi/video/verbs/paused", "display": {"en-US": "paused"}},
        "object": {
            "objectType": "Activity",
            "id": "https://videos.example.com/media/entry-1",
            "definition": {
                "type": "https://w3id.org/xapi/video/activity-type/video",
                "name": {"en-US": "Lecture 1"},
            },
        },
        "result": {
            "extensions": {
                "https://w3id.org/xapi/video/extensions/time": occurrence.time,
                "https://w3id.org/xapi/video/extensions/progress": occurrence.progress,
                "https://w3id.org/xapi/video/extensions/played-segments": seg,
            }
        },
        "context": {
            "registration": "0b7e6c3a-91d4-5f2a-8c6e-4a9d2e7f1b35",
            "contextActivities": {
                "category": [
                    {
                        "id": "https://w3id.org/xapi/video",
                        "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
                    }
                ],
                "grouping": [
                    {
                        "objectType": "Activity",
                        "id": "https://videos.example.com/channel/physics",
                        "definition": {
                            "type": "http://id.tincanapi.com/activitytype/collection-simple",
                            "name": {"en-US": "Physics 101"},
                        },
                    }
                ],
            },
            "extensions": {
                "https://w3id.org/xapi/video/extensions/session-id": builder.session_statement_id,
                "https://w3id.org/xapi/video/extensions/length": 600.0,
                "https://w3id.org/xapi/video/extensions/completion-threshold": 0.95,
            },
        },
        "timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
    }
    return orjson.dumps(statement)


def report(rows: list[tuple[Measure, str, str]]) -> None:
    print(f"{'measure':44} {'items':>9} {'best/s':>11} {'median/s':>11} {'cpu best/s':>11}  ratio")
    for m, unit, ratio in rows:
        label = f"{m.name} ({unit})"
        rates = f"{m.best:11,.0f} {m.median:11,.0f} {m.cpu_best:11,.0f}"
        print(f"{label:44} {m.items:9,d} {rates}  {ratio}")


def profile(call: Any, top: int = 25) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile each part once")
    args = parser.parse_args()
    cpu = pin_to_one_core()
    site_settings = settings()
    events = parsed_workload(args.events)
    mix = Counter(event.type for event in events)
    share = mix["timeupdate"] / len(events)
    print(f"pinned to CPU {cpu}; {len(events):,} events, {share:.1%} timeupdate: {dict(mix)}")

    # (a) the tracker, whole (statements built as dicts, not serialized) and apply alone
    tracker: list[MemoryTracker] = []

    def fresh_tracker() -> None:
        tracker[:] = [MemoryTracker(site_settings)]

    def run_tracker() -> None:
        process = tracker[0].process
        for event in events:
            process(event)

    whole = measure("MemoryTracker.process", len(events), run_tracker, args.repeat, fresh_tracker)
    one_percent_settings = settings(beaconInterval="onePercent")

    def fresh_one_percent_tracker() -> None:
        tracker[:] = [MemoryTracker(one_percent_settings)]

    one_percent = measure(
        "MemoryTracker.process, onePercent",
        len(events),
        run_tracker,
        args.repeat,
        fresh_one_percent_tracker,
    )
    sessions = Sessions(site_settings, events)
    apply_only = measure(
        "tracking.session.apply",
        len(sessions.player_events),
        sessions.apply_only,
        args.repeat,
        sessions.reset,
    )

    # (b) the builder on the mix of occurrences the workload really produces
    sessions.reset()
    produced = sessions.apply_all()
    builders = {session.session: VideoStatements(site_settings, session) for session, _ in produced}
    work = [(builders[session.session], occurrence) for session, occurrence in produced]
    verbs = Counter(occurrence.kind for _, occurrence in work)
    print(f"builder mix ({len(work):,} statements): {dict(verbs.most_common())}")
    statements_per_event = len(work) / len(events)
    work = work * BUILDER_ROUNDS  # enough statements for a stable timing
    dumps = orjson.dumps

    def run_builder() -> None:
        for builder, occurrence in work:
            dumps(builder.build(occurrence))

    built = measure("VideoStatements.build + orjson", len(work), run_builder, args.repeat, list)
    segments = "0.000[.]12.500[,]14.000[.]21.000"

    def run_plain() -> None:
        for builder, occurrence in work:
            plain_statement(builder, occurrence, segments)

    plain = measure("plain dict literal + orjson", len(work), run_plain, args.repeat, list)

    rows = [
        (whole, "events", f"{whole.best / TRACKER_TARGET:.2f} of target {TRACKER_TARGET:,}"),
        (one_percent, "events", f"{one_percent.best / TRACKER_TARGET:.2f} of target"),
        (apply_only, "events", f"{apply_only.best / TRACKER_TARGET:.2f} of target"),
        (built, "statements", f"{built.best / plain.best:.2f} of baseline (target 0.50)"),
        (plain, "statements", "1.00 (baseline)"),
    ]
    print()
    report(rows)
    print(f"\nstatements per event in this mix: {statements_per_event:.4f}")

    if args.profile:
        print("\n== profile: MemoryTracker.process ==")
        fresh_tracker()
        profile(run_tracker)
        print("== profile: tracking.session.apply ==")
        sessions.reset()
        profile(sessions.apply_only)
        print("== profile: VideoStatements.build + orjson ==")
        profile(run_builder)


if __name__ == "__main__":
    main()
