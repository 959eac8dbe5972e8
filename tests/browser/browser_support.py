"""What the browser tests share besides fixtures: logging in, screenshots (the running
service itself comes from tests/support/service.py)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

ADMIN, PASSWORD = "admin", "correct horse battery staple"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def log_in(page: Page, username: str = ADMIN, password: str = PASSWORD) -> None:
    page.goto("/admin/config/tab/xapi")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Log in')")


def save_screenshot(page: Page, name: str) -> None:
    """Always rewritten: the pages show ports and clock times that change every run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
