"""Where the browser tiers put their screenshots.

`docs/screenshots/` is rewritten only on request (`VIDEOXAPI_UPDATE_SCREENSHOTS=1`):
the pages show ports and clock times that change every run, so an ordinary run would
leave the working tree changed. Otherwise they go to a temporary folder (still taken:
a page that cannot be captured fails the test either way).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_path(name: str) -> Path:
    if os.environ.get("VIDEOXAPI_UPDATE_SCREENSHOTS") == "1":
        folder = DOCS
    else:
        folder = Path(tempfile.gettempdir()) / "videoxapi-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
