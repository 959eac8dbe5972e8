"""The settings page, `/admin/config/tab/xapi`: one site at a time, behind a login.

Saving is all or nothing (a refused value leaves the store untouched and the form as
typed); the LRS secret goes in but never comes back out. The same page adds and
removes extra destinations, rotates the site's credentials, tests the connection to
the LRS and adds sites. Installing this part also installs the login and session.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response

from videoxapi.delivery import HttpConfig, LrsClient, check_lrs, make_http_client
from videoxapi.delivery.check import CheckReport
from videoxapi.errors import InvalidSettings, StoreError
from videoxapi.service import sites
from videoxapi.settings import SiteSettings
from videoxapi.store.base import Destination, Store
from videoxapi.store.sites import PRIMARY, primary_auth
from videoxapi.web import admin_auth, forms
from videoxapi.web.admin_auth import Admin, CheckedForm
from videoxapi.web.pages import STYLESHEET, flash, render, see_other

PAGE = "/admin/config/tab/xapi"
SITE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CHECK_TIMEOUT = 10.0

router = APIRouter()


def install(app: FastAPI) -> None:
    admin_auth.install_sessions(app)
    app.include_router(router)


def page_url(site: str, anchor: str = "") -> str:
    return f"{PAGE}?site={quote(site, safe='')}" + (f"#{anchor}" if anchor else "")


def _store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def _site(request: Request, site: str | None) -> str:
    """The site asked for, or the deployment's default one."""
    return site or request.app.state.config.default_site


def _known(store: Store, site: str, default: str) -> bool:
    return site == default or site in store.list_sites()


def _settings(store: Store, site: str) -> SiteSettings:
    return sites.load_settings(store, site) or SiteSettings()


def _settings_page(
    request: Request,
    site: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    store = _store(request)
    settings = _settings(store, site)
    credentials = store.load_credentials(site)
    destinations = store.list_destinations(site)
    context = {
        "site": site,
        "sites": sorted({*store.list_sites(), request.app.state.config.default_site}),
        "fields": forms.SETTINGS_FIELDS,
        "values": values if values is not None else forms.shown_values(settings),
        "errors": errors or {},
        "secret_set": bool(settings.secret.get_secret_value()),
        "extra_destinations": [d for d in destinations if d.name != PRIMARY],
        "primary": next((d for d in destinations if d.name == PRIMARY), None),
        "auth_kinds": forms.AUTH_KINDS,
        "token_secret_set": bool(credentials and credentials.token_secret),
        "api_key_set": bool(credentials and credentials.api_key_hash),
        "page": PAGE,
        "nav": "settings",
        "destination_values": {},
        "destination_errors": {},
        **extra,
    }
    return render(request, "settings.html", context, status=status)


@router.get("/admin/admin.css", include_in_schema=False)
def stylesheet() -> Response:
    return FileResponse(STYLESHEET, media_type="text/css", headers={"Cache-Control": "no-cache"})


@router.get("/admin", include_in_schema=False)
@router.get("/admin/", include_in_schema=False)
def admin_home(_admin: Admin) -> Response:
    return see_other(PAGE)


@router.get(PAGE, include_in_schema=False)
def settings_page(request: Request, _admin: Admin, site: str | None = None) -> Response:
    site = _site(request, site)
    if not _known(_store(request), site, request.app.state.config.default_site):
        context = {"title": "No such site", "message": f"There is no site {site!r}."}
        return render(request, "message.html", context, status=404)
    return _settings_page(request, site)


@router.post(PAGE, include_in_schema=False)
def save_or_test(
    request: Request, _admin: Admin, form: CheckedForm, site: str | None = None
) -> Response:
    """`action=save` stores the form; `action=test` checks it against the LRS unsaved."""
    site = _site(request, site)
    store = _store(request)
    try:
        wanted = _settings(store, site).updated(forms.form_changes(form))
    except InvalidSettings as exc:
        return _settings_page(
            request,
            site,
            values=forms.typed_values(form),
            errors=exc.errors,
            status=422,
            refused=True,
            secret_dropped=forms.typed_secret(form),
        )
    if form.get("action") == "test":
        return _settings_page(
            request,
            site,
            values=forms.typed_values(form),
            check=_check(_primary_of(site, wanted)),
            secret_dropped=forms.typed_secret(form),
        )
    sites.ensure_site(store, site)
    store.save_settings(site, orjson.dumps(wanted.to_storage()))
    request.app.state.sites.invalidate(site)  # the API applies them from the next request
    flash(request, "Settings saved.")
    return see_other(page_url(site))


def _primary_of(site: str, settings: SiteSettings) -> Destination:
    return Destination(
        id=0,
        site_id=site,
        name=PRIMARY,
        endpoint=settings.endpoint,
        auth=primary_auth(settings),
        xapi_version=settings.xapi_version,
    )


def _check(destination: Destination) -> CheckReport | str:
    """Delivery's own check, in plain words; a missing endpoint is said, not tried."""
    if not destination.endpoint:
        return "Set an endpoint first: there is nothing to test."
    config = HttpConfig(
        connect=CHECK_TIMEOUT, read=CHECK_TIMEOUT, write=CHECK_TIMEOUT, pool=CHECK_TIMEOUT
    )
    with make_http_client(config) as http:
        return check_lrs(LrsClient(http, config), destination)


@router.post(PAGE + "/destinations", include_in_schema=False)
def add_destination(
    request: Request, _admin: Admin, form: CheckedForm, site: str | None = None
) -> Response:
    site = _site(request, site)
    store = _store(request)
    typed = {name: str(form.get(name, "")) for name in forms.DESTINATION_FIELDS}
    try:
        new = forms.parse_destination(form)
        sites.ensure_site(store, site)
        store.add_destination(site, new.name, new.endpoint, new.auth, new.xapi_version)
    except InvalidSettings as exc:
        errors = exc.errors
    except StoreError as exc:
        errors = {"name": str(exc)}
    else:
        flash(request, f"Destination {new.name} added.")
        return see_other(page_url(site, "destinations"))
    return _settings_page(
        request, site, destination_values=typed, destination_errors=errors, status=422
    )


@router.post(PAGE + "/destinations/{destination_id}/remove", include_in_schema=False)
def remove_destination(
    request: Request, destination_id: int, _admin: Admin, _form: CheckedForm
) -> Response:
    store = _store(request)
    found = next((d for d in store.list_destinations() if d.id == destination_id), None)
    if found is None or found.name == PRIMARY:
        context = {"title": "Not removed", "message": "No such extra destination."}
        return render(request, "message.html", context, status=404)
    store.remove_destination(destination_id)
    flash(request, f"Destination {found.name} removed, with its undelivered statements.")
    return see_other(page_url(found.site_id, "destinations"))


@router.post(PAGE + "/destinations/{destination_id}/test", include_in_schema=False)
def test_destination(
    request: Request, destination_id: int, _admin: Admin, _form: CheckedForm
) -> Response:
    found = next((d for d in _store(request).list_destinations() if d.id == destination_id), None)
    if found is None:
        context = {"title": "Not tested", "message": "No such destination."}
        return render(request, "message.html", context, status=404)
    return _settings_page(request, found.site_id, check=_check(found), checked=found.name)


@router.post(PAGE + "/rotate", include_in_schema=False)
def rotate(request: Request, _admin: Admin, form: CheckedForm, site: str | None = None) -> Response:
    """A new viewer-token secret, or a new API key shown on this answer only."""
    site = _site(request, site)
    store = _store(request)
    sites.ensure_site(store, site)
    if form.get("what") == "api-key":
        return _settings_page(request, site, new_api_key=sites.rotate_api_key(store, site))
    sites.rotate_token_secret(store, site)
    request.app.state.sites.invalidate(site)  # old tokens refused from the next request
    flash(request, "New viewer-token secret in force: tokens signed with the old one stop working.")
    return see_other(page_url(site, "credentials"))


@router.post("/admin/sites", include_in_schema=False)
def add_site(request: Request, _admin: Admin, form: CheckedForm) -> Response:
    site = str(form.get("site", "")).strip()
    store = _store(request)
    if not SITE_ID.match(site):
        context = {
            "title": "Site not added",
            "message": "A site id is 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
        }
        return render(request, "message.html", context, status=422)
    if site in store.list_sites():
        flash(request, f"Site {site} exists already.")
    else:
        sites.ensure_site(store, site)
        flash(request, f"Site {site} added: set its endpoint and siteUrl, then enable it.")
    return see_other(page_url(site))
