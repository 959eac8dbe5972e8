"""What the browser tests share besides fixtures: logging in, screenshots (the running
service itself comes from tests/support/service.py)."""

from __future__ import annotations

from playwright.sync_api import Page
from support.screenshots import screenshot_path

ADMIN, PASSWORD = "admin", "correct horse battery staple"


def log_in(page: Page, username: str = ADMIN, password: str = PASSWORD) -> None:
    page.goto("/admin/config/tab/xapi")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Log in')")


def save_screenshot(page: Page, name: str) -> None:
    page.screenshot(path=str(screenshot_path(name)), full_page=True)
