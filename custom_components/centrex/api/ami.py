"""A small asyncio client of Asterisk's manager interface (AMI), over TCP or TLS.

Our own rather than a library: AMI is a line protocol of a few dozen lines to
speak, and owning it keeps the provider layer typed end to end, lets the
caller (the push loop) own reconnection and backoff, and adds no dependency
to the integration. Messages are blocks of `Key: Value` lines ended by an
empty line; responses carry the `ActionID` we sent, events carry `Event`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import ssl
from collections.abc import Callable, Mapping

from .exceptions import (
    CentrexAuthenticationError,
    CentrexConnectionError,
    CentrexPermissionError,
    CentrexRequestError,
)

#: What one AMI message is: its keys and values, in order (keys may repeat, the last wins).
type Message = dict[str, str]

#: The longest line or message we accept: AMI messages are a few hundred bytes.
MAX_LINE = 8 * 1024
MAX_KEYS = 256
#: Messages parsed before the reader lets other tasks run: a large PBX answers
#: a read with thousands, already buffered, which would otherwise all be parsed
#: in one go (readline does not yield while its buffer holds a line).
MESSAGES_PER_TURN = 200
DEFAULT_TIMEOUT = 10.0

#: The manager class (manager.conf `read`/`write`) each action we send needs.
ACTION_CLASS = {
    "DBGet": "system",
    "DBGetTree": "system",
    "DBPut": "system",
    "DBDel": "system",
    "SIPpeers": "system",
    "CoreShowChannels": "system",
    "Setvar": "call",
    "Getvar": "call",
}


def encode(fields: Mapping[str, str]) -> bytes:
    """Return one AMI message; values may not break the framing."""
    lines = []
    for key, value in fields.items():
        if any(ch in f"{key}{value}" for ch in "\r\n"):
            raise CentrexRequestError("a line break in an AMI field", field=key)
        lines.append(f"{key}: {value}\r\n")
    return ("".join(lines) + "\r\n").encode()


class AmiClient:
    """One logged-in manager connection: send actions, receive their answers and events."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        tls: ssl.SSLContext | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Keep how to connect; `async_connect` logs in."""
        self._host = host
        self._port = port
        self._username = username
        self._secret = secret
        self._tls = tls
        self._timeout = timeout
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[list[Message]]] = {}
        self._lists: dict[str, list[Message]] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self.on_event: Callable[[Message], None] = lambda _message: None
        #: Set when the connection is lost (or closed), with the reason.
        self.closed: asyncio.Future[str] | None = None

    async def async_connect(self) -> None:
        """Open the connection and log in (CentrexAuthenticationError for a wrong secret)."""
        try:
            async with asyncio.timeout(self._timeout):
                self._reader, self._writer = await asyncio.open_connection(
                    self._host, self._port, ssl=self._tls, limit=MAX_LINE
                )
                banner = await self._reader.readline()
        except (OSError, TimeoutError) as err:
            raise CentrexConnectionError(
                f"cannot reach the manager interface: {type(err).__name__}"
            ) from err
        if not banner.startswith(b"Asterisk Call Manager"):
            await self.async_close()
            raise CentrexConnectionError("not an Asterisk manager interface")
        self.closed = asyncio.get_running_loop().create_future()
        self._task = asyncio.get_running_loop().create_task(self._read_loop())
        try:
            await self.async_action(
                "Login", {"Username": self._username, "Secret": self._secret, "Events": "on"}
            )
        except CentrexRequestError as err:
            await self.async_close()
            raise CentrexAuthenticationError("the manager user or secret was refused") from err

    async def async_action(
        self, action: str, fields: Mapping[str, str] | None = None
    ) -> list[Message]:
        """Send an action; return its response (and the events of a list it starts)."""
        if self._writer is None or self.closed is None or self.closed.done():
            raise CentrexConnectionError("not connected to the manager interface")
        action_id = f"centrex-{next(self._ids)}"
        future: asyncio.Future[list[Message]] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = future
        try:
            self._writer.write(encode({"Action": action, "ActionID": action_id, **(fields or {})}))
            async with asyncio.timeout(self._timeout):
                messages = await asyncio.shield(future)
        except TimeoutError as err:
            raise CentrexConnectionError(f"{action} was not answered") from err
        finally:
            self._pending.pop(action_id, None)
            self._lists.pop(action_id, None)
        response = messages[0]
        if response.get("Response") == "Error":
            message = response.get("Message", "")
            if "ermission denied" in message:
                raise CentrexPermissionError(
                    f"{action}: {message}"[:120], missing=ACTION_CLASS.get(action)
                )
            raise CentrexRequestError(f"{action}: {message}"[:120])
        return messages

    async def _read_loop(self) -> None:
        reason = "the manager interface closed the connection"
        try:
            for count in itertools.count(1):
                if (message := await self._read_message()) is None:
                    break
                self._dispatch(message)
                if count % MESSAGES_PER_TURN == 0:
                    await asyncio.sleep(0)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as err:
            reason = f"the connection broke: {type(err).__name__}"
        finally:
            self._lost(reason)

    async def _read_message(self) -> Message | None:
        assert self._reader is not None  # noqa: S101 - set before the loop starts
        message: Message = {}
        while True:
            line = await self._reader.readline()
            if not line:
                return None
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if not text:
                if message:
                    return message
                continue
            key, sep, value = text.partition(":")
            if not sep or len(message) >= MAX_KEYS:
                raise ValueError("malformed AMI message")
            message[key.strip()] = value.strip()

    def _dispatch(self, message: Message) -> None:
        action_id = message.get("ActionID")
        future = self._pending.get(action_id) if action_id else None
        if future is None or future.done():
            if "Event" in message:
                self.on_event(message)
            return
        if "Response" in message:
            if message.get("EventList") == "start":
                self._lists[action_id] = [message]  # type: ignore[index]
            else:
                future.set_result([message])
        elif action_id in self._lists:
            self._lists[action_id].append(message)
            if message.get("EventList") == "Complete":
                future.set_result(self._lists.pop(action_id))

    def _lost(self, reason: str) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CentrexConnectionError(reason))
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(reason)
        if self._writer is not None:
            self._writer.close()

    async def async_close(self) -> None:
        """Log off (best effort) and close the connection."""
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._lost("closed")
