"""The operations page, `/admin/operations`: is every LRS getting its statements?

Per destination: backlog, oldest undelivered age, totals, pause; the dead letters with
replay and discard; the last hour's delivery rate. `/admin/operations.json` gives the
same numbers to scripts (the admin session, or HTTP Basic with an administrator's
name and password).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from markupsafe import Markup

from videoxapi.service import admins
from videoxapi.store.base import DeadLetter, DestinationStats, Store
from videoxapi.web.admin_auth import Admin, CheckedForm, LoginRequired, current_admin
from videoxapi.web.chart import delivery_chart, per_minute
from videoxapi.web.pages import flash, render, see_other

PAGE = "/admin/operations"
DEAD_LETTERS_SHOWN = 200

router = APIRouter()


def install(app: FastAPI) -> None:
    app.include_router(router)


def _store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def _now(request: Request) -> datetime:
    return request.app.state.clock()  # type: ignore[no-any-return]


def human_age(since: datetime | None, now: datetime) -> str:
    """'—', '42 s', '3 min 12 s', '2 h 5 min', '3 days 4 h'."""
    if since is None:
        return "—"
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h"


def _paused(stats: DestinationStats, now: datetime) -> bool:
    return stats.paused_until is not None and stats.paused_until > now


def _destination_rows(stats: list[DestinationStats], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": s.destination_id,
            "site": s.site_id,
            "name": s.name,
            "pending": s.pending,
            "inFlight": s.in_flight,
            "oldestPendingAt": s.oldest_pending_at.isoformat() if s.oldest_pending_at else None,
            "oldestPendingAge": human_age(s.oldest_pending_at, now),
            "oldestPendingSeconds": (
                round((now - s.oldest_pending_at).total_seconds(), 1)
                if s.oldest_pending_at
                else None
            ),
            "delivered": s.delivered,
            "failed": s.failed,
            "dead": s.dead,
            "conflicts": s.conflicts,
            "paused": _paused(s, now),
            "pausedUntil": s.paused_until.isoformat() if _paused(s, now) else None,
            "pauseReason": s.pause_reason if _paused(s, now) else None,
        }
        for s in stats
    ]


def _numbers(store: Store, now: datetime) -> dict[str, Any]:
    """What both the page and the JSON show."""
    history = per_minute(store.delivery_history(now - timedelta(hours=1)), now)
    return {
        "now": now.isoformat(),
        "destinations": _destination_rows(store.stats(), now),
        "lastHour": [
            {"minute": minute.isoformat(), "delivered": d, "failed": f} for minute, d, f in history
        ],
        "_history": history,
    }


@router.get(PAGE, include_in_schema=False)
def operations_page(request: Request, _admin: Admin) -> Response:
    store, now = _store(request), _now(request)
    numbers = _numbers(store, now)
    letters = store.dead_letters()
    context = {
        "nav": "operations",
        "numbers": numbers,
        "destinations": {d.id: d for d in store.list_destinations()},
        "chart": Markup(delivery_chart(numbers["_history"])),
        "hour_delivered": sum(d for _, d, _f in numbers["_history"]),
        "hour_failed": sum(f for _, _d, f in numbers["_history"]),
        "letters": letters[:DEAD_LETTERS_SHOWN],
        "letters_total": len(letters),
        "now": now,
    }
    return render(request, "operations.html", context)


@router.get(PAGE + ".json", include_in_schema=False)
async def operations_json(request: Request) -> Response:
    await _script_or_session(request)
    numbers = await run_in_threadpool(_numbers, _store(request), _now(request))
    numbers.pop("_history")
    numbers["deadLetters"] = sum(row["dead"] for row in numbers["destinations"])
    return Response(
        orjson.dumps(numbers), media_type="application/json", headers={"Cache-Control": "no-store"}
    )


async def _script_or_session(request: Request) -> None:
    """An administrator's session cookie, or their name and password as HTTP Basic."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        await run_in_threadpool(current_admin, request)
        return
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise LoginRequired from None
    if not await run_in_threadpool(admins.verify_login, _store(request), username, password):
        raise LoginRequired


@router.get(PAGE + "/dead-letters/{letter_id}", include_in_schema=False)
def dead_letter(request: Request, letter_id: int, _admin: Admin) -> Response:
    letter = _find_letter(_store(request), letter_id)
    if letter is None:
        context = {"title": "No such dead letter", "message": "It was replayed or discarded."}
        return render(request, "message.html", context, status=404)
    try:
        pretty = orjson.dumps(orjson.loads(letter.body), option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONDecodeError:
        pretty = letter.body.decode(errors="replace")
    context = {"nav": "operations", "letter": letter, "statement": pretty}
    return render(request, "dead_letter.html", context)


def _find_letter(store: Store, letter_id: int) -> DeadLetter | None:
    return next((x for x in store.dead_letters() if x.id == letter_id), None)


def _chosen_ids(form: CheckedForm) -> list[int]:
    return [int(value) for value in form.getlist("id") if str(value).isdigit()]


@router.post(PAGE + "/dead-letters/replay", include_in_schema=False)
def replay(request: Request, _admin: Admin, form: CheckedForm) -> Response:
    """Replayed letters are pending again, due now, with their attempts reset."""
    store = _store(request)
    ids = None if form.get("all") else _chosen_ids(form)
    count = store.replay(ids, _now(request)) if ids is None or ids else 0
    flash(request, f"{count} dead letter(s) replayed: pending again.")
    return see_other(PAGE + "#dead-letters")


@router.post(PAGE + "/dead-letters/discard", include_in_schema=False)
def discard(request: Request, _admin: Admin, form: CheckedForm) -> Response:
    """'All' means the letters that existed when the page was shown (their ids are
    posted): a letter that arrived since is not thrown away unseen."""
    store = _store(request)
    count = store.discard(_chosen_ids(form))
    flash(request, f"{count} dead letter(s) discarded.")
    return see_other(PAGE + "#dead-letters")


@router.post(PAGE + "/destinations/{destination_id}/resume", include_in_schema=False)
def resume(request: Request, destination_id: int, _admin: Admin, _form: CheckedForm) -> Response:
    _store(request).resume_destination(destination_id)
    flash(request, "Destination resumed: delivery starts again now.")
    return see_other(PAGE)
