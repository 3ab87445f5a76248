"""What every fake provider server shares: request recording and fault injection."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Fault:
    """Something going wrong on the requests that match `method` and `path` (a regex)."""

    path: str = ".*"
    method: str | None = None
    status: int | None = None
    body: Any = None
    retry_after: int | None = None
    delay: float = 0
    malformed: bool = False
    drop: bool = False
    times: int = 1

    def matches(self, request: web.Request) -> bool:
        method_ok = self.method is None or self.method == request.method
        return self.times > 0 and method_ok and re.search(self.path, request.path) is not None


@dataclass
class Recorded:
    """A request as the fake received it."""

    method: str
    path: str
    body: Any


@dataclass
class FakeServer:
    """An aiohttp application with recording and faults; subclasses add the routes."""

    faults: list[Fault] = field(default_factory=list)
    latency: float = 0.0  # seconds added to every request, as a distant server would
    requests: list[Recorded] = field(default_factory=list)
    server: TestServer | None = None

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    def inject(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def writes(self, path_contains: str = "") -> list[Recorded]:
        return [
            request
            for request in self.requests
            if request.method in {"PUT", "POST"} and path_contains in request.path
        ]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        text = await request.text()
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = text
        self.requests.append(Recorded(request.method, request.path, body))
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = next((fault for fault in self.faults if fault.matches(request)), None)
        if fault is None:
            return await handler(request)
        fault.times -= 1
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if fault.malformed:
            return web.Response(text='{"truncated": ', content_type="application/json")
        if fault.status is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            return web.json_response(fault.body, status=fault.status, headers=headers)
        return await handler(request)

    async def start(self, port: int | None = None) -> str:
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(self.routes())
        self.server = TestServer(app, host="127.0.0.1", port=port)
        await self.server.start_server()
        return str(self.server.make_url("")).rstrip("/")

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()


def json_body(request_body: Any) -> dict[str, Any]:
    if not isinstance(request_body, dict):
        raise web.HTTPBadRequest
    return request_body
