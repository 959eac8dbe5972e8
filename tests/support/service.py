"""The real service for the browser, end-to-end and acceptance tiers: `videoxapi serve`
as a subprocess on a free port with its own data directory, the CLI beside it, and
headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, sync_playwright

from support.peers import free_port
from videoxapi.store import default_database_url

VIDEOXAPI = Path(sys.executable).parent / "videoxapi"
CHROMIUM = Path("/usr/bin/chromium")


def clean_env() -> dict[str, str]:
    """No VIDEOXAPI_* of the developer's shell leaks into the service under test."""
    return {k: v for k, v in os.environ.items() if not k.startswith("VIDEOXAPI_")}


@dataclass
class Service:
    """A `videoxapi serve` (running, once `running_service` yields it)."""

    base_url: str
    database_url: str
    data_dir: Path
    log: Path

    def cli(self, *args: str, stdin: str = "") -> str:
        """`videoxapi --database <ours> ARGS`: its stdout; a non-zero exit fails the test."""
        done = subprocess.run(
            [str(VIDEOXAPI), "--database", self.database_url, *args],
            input=stdin, capture_output=True, text=True, timeout=120, cwd=self.data_dir,
            env=clean_env(),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    def settings(self, **values: str) -> None:
        """`videoxapi settings set`; the service reads it within its 1 s cache."""
        self.cli("settings", "set", *(f"{k}={v}" for k, v in values.items()))


def new_service(data_dir: Path) -> Service:
    """A service not started yet: the CLI can prepare its store first."""
    port = free_port()
    return Service(
        f"http://127.0.0.1:{port}", default_database_url(data_dir), data_dir, data_dir / "log"
    )


@contextmanager
def running_service(service: Service, *serve_args: str) -> Iterator[Service]:
    """Start `videoxapi serve SERVE_ARGS` for `service`; stop its process group after."""
    port = service.base_url.rsplit(":", 1)[1]
    with service.log.open("wb") as log:
        process = subprocess.Popen(
            [str(VIDEOXAPI), "serve", "--port", port, "--data-dir", str(service.data_dir),
             *serve_args],
            cwd=service.data_dir, env=clean_env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_up(service, process)
        yield service
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_up(service: Service, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"videoxapi serve exited:\n{service.log.read_text()[-3000:]}")
        try:
            if httpx.get(service.base_url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"videoxapi serve did not answer:\n{service.log.read_text()[-3000:]}")


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium; never a browser Playwright would download."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/install --test")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()
