"""The whole `videoxapi transform`, end to end, as a child process on one core.

    .venv/bin/python bench/bench_transform.py [--lines 100000 1000000] [--repeat R]

For each size, a realistic event log (bench/_common.py) is generated once into a cache
directory, then transformed to /dev/null. Reported: events/s end to end (parsing,
tracking, building, serializing, writing) and the child's peak RSS, from `os.wait4`.
Streaming must keep memory flat: peak RSS at 1M lines should match 100k lines.

The events are generated in a separate process, so this one stays small: Linux counts
the parent's peak in the child's `ru_maxrss` when the child is forked and then execs,
which would otherwise report the generator's memory as the transform's.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import SETTINGS_DATA, pin_to_one_core  # noqa: E402

CLI = Path(sys.executable).with_name("videoxapi")
CACHE = Path(tempfile.gettempdir()) / "videoxapi-bench"


def events_file(lines: int) -> Path:
    """The generated log of about `lines` events, made once and kept in CACHE."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"events-{lines}.ndjson"
    if not path.exists():
        partial = path.with_suffix(".partial")
        generate = f"from _common import write_ndjson; write_ndjson({str(partial)!r}, {lines})"
        subprocess.run([sys.executable, "-c", generate], cwd=HERE, check=True)
        partial.rename(path)
    return path


def run_once(settings: Path, events: Path) -> tuple[float, float, int]:
    """Transform `events` to /dev/null: wall seconds, CPU seconds, peak RSS (KiB)."""
    command = [str(CLI), "transform", "--settings", str(settings), str(events)]
    began = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    assert child.stderr is not None
    errors = child.stderr.read()
    child.stderr.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"transform failed ({child.returncode}): {errors[:500]!r}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def count_lines(path: Path) -> int:
    """Lines of the events file, each one event."""
    with path.open("rb") as source:
        return sum(1 for _ in source)


def count_statements(settings: Path, events: Path) -> int:
    """Statements written for `events` (a separate, untimed run)."""
    command = [str(CLI), "transform", "--settings", str(settings), str(events)]
    out = subprocess.run(command, capture_output=True, check=True).stdout
    return out.count(b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cpu = pin_to_one_core()  # inherited by the child
    settings = CACHE / "settings.json"
    CACHE.mkdir(exist_ok=True)
    settings.write_bytes(orjson.dumps(SETTINGS_DATA))
    print(f"pinned to CPU {cpu}; command: {CLI} transform --settings S.json EVENTS > /dev/null")
    print(
        f"{'lines':>10} {'statements':>11} {'best s':>8} {'events/s':>10} {'cpu events/s':>13}"
        f" {'peak RSS MiB':>13}"
    )
    for size in args.lines:
        path = events_file(size)
        lines = count_lines(path)
        statements = count_statements(settings, path)
        runs = [run_once(settings, path) for _ in range(args.repeat)]
        best = min(seconds for seconds, _, _ in runs)
        cpu_best = min(cpu for _, cpu, _ in runs)
        peak = max(rss for _, _, rss in runs) / 1024
        print(
            f"{lines:10,d} {statements:11,d} {best:8.2f} {lines / best:10,.0f}"
            f" {lines / cpu_best:13,.0f} {peak:13.1f}"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process's own peak RSS, a floor for the child's figure: {own:.1f} MiB)")


if __name__ == "__main__":
    main()
