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

from .schema import Schema, load, load_published

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
    #: Requests the published schema refuses (answered with the provider's error).
    rejected: list[str] = field(default_factory=list)
    #: Responses of the fake outside the published schema: a bug of the fake.
    violations: list[str] = field(default_factory=list)

    #: The published schema (a file of tests/schemas/), the prefix of its
    #: paths here, and the paths it does not describe (checked by hand).
    schema_file: str | None = None
    #: The provider's published subset (../shared/reference/schemas), where it exists.
    published_file: str | None = None
    api_prefix: str = ""
    unpublished: tuple[str, ...] = ()

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    def schema_error(self, errors: list[str]) -> web.Response:
        """Answer a request outside the schema as the provider does."""
        return web.Response(status=400, text="; ".join(errors))

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
            return await self._checked(request, handler, body)
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
        return await self._checked(request, handler, body)

    async def _checked(
        self, request: web.Request, handler: Handler, body: Any
    ) -> web.StreamResponse:
        """Run the handler, holding the request and the response to the published schema."""
        if self.schema_file is None or any(request.path.startswith(p) for p in self.unpublished):
            return await handler(request)
        schema: Schema = load(self.schema_file)
        path = request.path.removeprefix(self.api_prefix)
        operation = schema.find(request.method, path)
        if operation is None:
            self.rejected.append(f"{request.method} {path}: not in the published schema")
            return web.Response(status=405 if schema.path_exists(path) else 404)
        query = {key: request.query.getall(key) for key in request.query}
        if errors := schema.request_errors(operation, body, query):
            self.rejected.append(f"{request.method} {path}: {'; '.join(errors)}")
            return self.schema_error(errors)
        try:
            response = await handler(request)
        except web.HTTPException as err:
            response = err
        if isinstance(response, web.Response):
            raw = response.body if isinstance(response.body, bytes) else b""
            for error in schema.response_errors(operation, response.status, raw):
                self.violations.append(f"{request.method} {path} answered {error}")
            self._check_published(request.method, path, body, query, response.status, raw)
        if isinstance(response, web.HTTPException):
            raise response
        return response

    def _check_published(
        self,
        method: str,
        path: str,
        body: Any,
        query: dict[str, list[str]],
        status: int,
        raw: bytes,
    ) -> None:
        """Hold the exchange to the provider's own published document too, where it has it."""
        published = load_published(self.published_file)
        operation = published.find(method, path) if published is not None else None
        if published is None or operation is None:
            return
        errors = [f"request: {error}" for error in published.request_errors(operation, body, query)]
        if operation.declares(status) or not (200 <= status < 300):
            errors += published.response_errors(operation, status, raw)
        self.violations += [f"{method} {path} (published schema) {error}" for error in errors]

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
