"""The browser half's files: the player plugin at `/static/videoxapi.js` (and `.mjs`),
the demo clip, and the `/demo` page (web/demo.py).

Starlette's `StaticFiles` honours HTTP Range requests, which browsers need to seek in
a video.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).with_name("static")


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    from videoxapi.web import demo

    demo.install(app)
