"""What the HTTP drivers share: one request method that maps failures to our errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import ClientSession

from .budget import RequestBudget
from .exceptions import (
    CentrexAuthenticationError,
    CentrexConnectionError,
    CentrexLineNotFoundError,
    CentrexPermissionError,
    CentrexRateLimitError,
    CentrexRequestError,
)
from .provider import CentrexProvider

DEFAULT_TIMEOUT = 20  # seconds for a whole request
#: Requests of one driver in flight at once: as many as Home Assistant's shared
#: session opens to one host. More would only queue inside the session, after
#: each had done its share of work at once (hundreds of lines read together
#: would then hold the event loop).
MAX_CONCURRENT_REQUESTS = 100
_MAX_ERROR_TEXT = 120


def path(*segments: str) -> str:
    """Join path segments, each percent-encoded, so no id can change the path."""
    return "".join(f"/{quote(segment, safe='')}" for segment in segments)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


class HttpProvider(CentrexProvider):
    """A driver that talks JSON over HTTP to `base_url`."""

    #: The provider's public API, overridable per entry (a regional endpoint, a test double).
    default_base_url: str
    budget: RequestBudget | None = None

    def __init__(
        self,
        session: ClientSession,
        config: Mapping[str, Any],
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Keep the session, the entry's settings and the API's address."""
        super().__init__(session, config)
        self.base_url = str(config.get("base_url") or self.default_base_url).rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._in_flight = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)

    def _headers(self, method: str, url: str, body: str) -> dict[str, str]:
        """Return the headers that authenticate a request."""
        raise NotImplementedError

    def _error(self, status: int, payload: Any) -> Exception | None:
        """Return a provider-specific error for a response, or None for the defaults."""
        return None

    async def request(
        self,
        method: str,
        resource: str,
        body: str = "",
        *,
        content_type: str = "application/json",
    ) -> Any:
        """Send one request and return its decoded JSON (None for an empty body).

        `resource` is a path built with `path()` (plus an optional query string).
        """
        async with self._in_flight:
            return await self._request(method, resource, body, content_type)

    async def _request(self, method: str, resource: str, body: str, content_type: str) -> Any:
        if self.budget is not None:
            await self.budget.acquire()
        url = f"{self.base_url}{resource}"
        headers = self._headers(method, url, body)
        if body:
            headers["Content-Type"] = content_type
        headers["Accept"] = "application/json"
        try:
            async with self.session.request(
                method, url, data=body or None, headers=headers, timeout=self.timeout
            ) as response:
                text = await response.text()
                status = response.status
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except TimeoutError as err:
            raise CentrexConnectionError(f"{method} timed out") from err
        except aiohttp.ClientError as err:
            raise CentrexConnectionError(f"{method} failed: {type(err).__name__}") from err
        payload = self._decode(text, status)
        if status < 300:
            return payload
        raise self._error(status, payload) or self._default_error(status, payload, retry_after)

    async def send(
        self,
        method: str,
        url: str,
        body: str = "",
        headers: dict[str, str] | None = None,
        timeout: aiohttp.ClientTimeout | None = None,  # noqa: ASYNC109 - aiohttp's own timeout
    ) -> tuple[int, str, float | None]:
        """Send a raw request; return its status, text and Retry-After hint."""
        try:
            async with self.session.request(
                method, url, data=body or None, headers=headers, timeout=timeout or self.timeout
            ) as response:
                text = await response.text()
                return (
                    response.status,
                    text,
                    _retry_after(response.headers.get("Retry-After")),
                )
        except TimeoutError as err:
            raise CentrexConnectionError(f"{method} timed out") from err
        except aiohttp.ClientError as err:
            raise CentrexConnectionError(f"{method} failed: {type(err).__name__}") from err

    @staticmethod
    def _decode(text: str, status: int) -> Any:
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError as err:
            if status < 300:
                raise CentrexConnectionError("malformed response from the provider") from err
            return None

    @staticmethod
    def _default_error(status: int, payload: Any, retry_after: float | None) -> Exception:
        message = ""
        if isinstance(payload, dict):
            message = str(payload.get("message") or payload.get("detail") or "")
        message = message[:_MAX_ERROR_TEXT] or f"HTTP {status}"
        if status == 401:
            return CentrexAuthenticationError(message)
        if status == 403:
            return CentrexPermissionError(message)
        if status == 404:
            return CentrexLineNotFoundError(message)
        if status == 429:
            return CentrexRateLimitError(message, retry_after)
        if 400 <= status < 500:
            return CentrexRequestError(message)
        return CentrexConnectionError(message)
