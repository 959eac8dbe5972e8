"""Server-rendered admin pages: one Jinja2 environment, one way to answer with a page.

Every page goes out with headers that keep it out of caches and frames and forbid
scripts altogether (the pages work without JavaScript and load nothing from elsewhere).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

TEMPLATE_DIR = Path(__file__).parent / "templates"
STYLESHEET = Path(__file__).parent / "static" / "admin.css"

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


@cache
def templates() -> Jinja2Templates:
    """Built on first use, not at import."""
    return Jinja2Templates(directory=str(TEMPLATE_DIR))


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page with the session's CSRF token, the administrator and any flash messages."""
    from videoxapi.web.admin_auth import csrf_token

    session = request.session
    full = {
        "csrf_token": csrf_token(request),
        "admin": session.get("admin"),
        "flash": session.pop("flash", []),
        **context,
    }
    return templates().TemplateResponse(
        request, name, full, status_code=status, headers=PAGE_HEADERS
    )


def flash(request: Request, message: str) -> None:
    """A short message for the next page (not secret: the cookie is signed, not sealed)."""
    request.session.setdefault("flash", []).append(message)


def see_other(url: str) -> RedirectResponse:
    """After a POST that changed something: the browser GETs the page again."""
    return RedirectResponse(url, status_code=303)
