"""The event endpoints served ahead of the framework's middleware stack.

On its way to the endpoint a request passes about a dozen layers (Starlette's and
FastAPI's middleware, exception handling, routing, the admin session): at thousands of
event batches a second they cost more than the endpoint's own parsing. Routes of
`OwnBodyRoute` check their requests themselves, so this middleware serves them
directly, with what they need of the stack: CORS (`wrap`), the request counter
(`count`, told the status without wrapping `send`), and the app's own exception
handlers, so that errors keep their one shape. Every other request goes down the
stack as before; FastAPI still documents these routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[Request, Exception], Any]  # an app's exception handler


class DirectRoutes:
    """ASGI middleware: `routes` answered by their own route handlers, wrapped in
    `wrap`; everything else passed on to `app`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Sequence[APIRoute],
        wrap: Callable[[ASGIApp], ASGIApp],
        handlers: Mapping[Any, Handler],
        count: Callable[[str, APIRoute, int], None] | None = None,
    ) -> None:
        self.app = app
        self.count = count
        self.routes = list(routes)
        # By id: a route compares by value, not by hash. The routes live as the app does.
        self.route_handlers = {id(route): route.get_route_handler() for route in self.routes}
        self.handlers = handlers  # the app's: filled as its parts install themselves
        self.served = wrap(self._endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            for route in self.routes:
                # Starlette's own matching: FastAPI's override looks up the route's
                # inclusion context first, which these routes (no prefix) do not need.
                match, child = Route.matches(route, scope)
                if match is Match.FULL:
                    scope.update(child)
                    scope["route"] = route
                    await self.served(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await self.route_handlers[id(scope["route"])](request)
        except Exception as error:
            handler = self._handler_for(error)
            if handler is None:
                self._count(scope, 500)
                raise  # the stack's outermost layer answers 500, as for any route
            response = await handler(request, error)
        self._count(scope, response.status_code)
        await response(scope, receive, send)

    def _count(self, scope: Scope, status: int) -> None:
        if self.count is not None:
            self.count(scope["method"], scope["route"], status)

    def _handler_for(self, error: Exception) -> Handler | None:
        for kind in type(error).__mro__:
            if kind in self.handlers:
                return self.handlers[kind]
        return None
