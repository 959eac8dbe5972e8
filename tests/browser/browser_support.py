"""What the browser tests share besides fixtures: the running service, logging in,
screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

VIDEOXAPI = Path(sys.executable).parent / "videoxapi"
ADMIN, PASSWORD = "admin", "correct horse battery staple"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class Service:
    """A running `videoxapi serve`."""

    base_url: str
    database_url: str
    data_dir: Path
    log: Path

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """Run `videoxapi --database <ours> ARGS`, failing the test on a non-zero exit."""
        done = subprocess.run(
            [str(VIDEOXAPI), "--database", self.database_url, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.data_dir,
            env=clean_env(),
        )
        assert done.returncode == 0, done.stderr
        return done


def clean_env() -> dict[str, str]:
    """No VIDEOXAPI_* of the developer's shell leaks into the service under test."""
    return {k: v for k, v in os.environ.items() if not k.startswith("VIDEOXAPI_")}


def log_in(page: Page, username: str = ADMIN, password: str = PASSWORD) -> None:
    page.goto("/admin/config/tab/xapi")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Log in')")


def save_screenshot(page: Page, name: str) -> None:
    """Always rewritten: the pages show ports and clock times that change every run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
