"""Who is looking at the admin pages: login, logout, the session cookie and CSRF.

The session is a cookie signed (not encrypted) with a key generated on first start and
kept owner-only in the data directory; it holds the administrator's name, a stamp of
their password hash (a password change ends their sessions) and a CSRF token that
every form POST must send back.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from videoxapi.service import admins
from videoxapi.store.base import Store
from videoxapi.web.config import ServiceConfig
from videoxapi.web.pages import PAGE_HEADERS, render, see_other

SESSION_COOKIE = "videoxapi_admin"
SESSION_MAX_AGE = 8 * 60 * 60
CSRF_FIELD = "csrf_token"
LOGIN_PATH = "/admin/login"
HOME_PATH = "/admin/config/tab/xapi"

router = APIRouter()


class LoginRequired(Exception):
    """No valid administrator session: the browser is sent to the login page."""


class CsrfRefused(Exception):
    """A form POST without this session's CSRF token."""


def install_sessions(app: FastAPI) -> None:
    """Signed session cookies for /admin only, HttpOnly, SameSite=Lax."""
    config: ServiceConfig = app.state.config
    store: Store = app.state.store
    app.add_middleware(
        AdminSessions,
        # Derived from the store's key: every API node of a deployment shares it, so a
        # session made on one node holds on the others.
        secret_key=store.derive_key("admin-session-cookie").hex(),
        https_only=config.public_url.startswith("https://"),
    )
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.include_router(router)


class AdminSessions:
    """Starlette's SessionMiddleware on /admin paths only: API requests never parse a
    cookie."""

    def __init__(self, app: ASGIApp, secret_key: str, https_only: bool) -> None:
        self.app = app
        self.sessions = SessionMiddleware(
            app,
            secret_key=secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_MAX_AGE,
            path="/admin",
            same_site="lax",
            https_only=https_only,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/admin"):
            await self.sessions(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The POSTed form, once its CSRF token matches the session's."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, str(expected))):
        raise CsrfRefused
    return form


def current_admin(request: Request) -> str:
    """The logged-in administrator, whose password has not changed since the login."""
    name = request.session.get("admin")
    store: Store = request.app.state.store
    if not name or admins.password_stamp(store, name) != request.session.get("stamp"):
        request.session.pop("admin", None)
        raise LoginRequired
    return str(name)


Admin = Annotated[str, Depends(current_admin)]
CheckedForm = Annotated[FormData, Depends(checked_form)]


def safe_next(target: str | None) -> str:
    """Only a path of the admin pages: never a redirect to another site."""
    if target and target.startswith("/admin/") and not target.startswith("//"):
        return target
    return HOME_PATH


@router.get("/admin/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    store: Store = request.app.state.store
    context = {"next": safe_next(next), "no_admins": not store.list_admins(), "error": None}
    return render(request, "login.html", context)


@router.post("/admin/login", response_class=HTMLResponse)
async def login(request: Request, form: CheckedForm) -> Response:
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    store: Store = request.app.state.store
    if not await run_in_threadpool(admins.verify_login, store, username, password):
        context = {
            "next": safe_next(str(form.get("next", ""))),
            "no_admins": False,
            "error": "Wrong user name or password.",
            "username": username,
        }
        return render(request, "login.html", context, status=401)
    stamp = await run_in_threadpool(admins.password_stamp, store, username)
    request.session.clear()  # a fresh CSRF token for the new privilege
    request.session.update({"admin": username, "stamp": stamp})
    return see_other(safe_next(str(form.get("next", ""))))


@router.post("/admin/logout")
def logout(request: Request, _form: CheckedForm) -> Response:
    request.session.clear()
    return see_other(LOGIN_PATH)


async def _to_login(request: Request, _exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = HOME_PATH
    if not request.url.path.startswith("/admin/") or request.url.path.endswith(".json"):
        return Response("login required\n", status_code=401, headers=PAGE_HEADERS)
    return see_other(f"{LOGIN_PATH}?next={quote(target, safe='/')}")


async def _csrf_refused(request: Request, _exc: Exception) -> Response:
    context = {
        "title": "Form refused",
        "message": "This form was not sent from this admin page, or your session ended. "
        "Go back, reload the page and try again.",
    }
    return render(request, "message.html", context, status=403)
