"""A fake Asterisk manager interface over real TCP, for what a real server won't do on demand.

It speaks AMI's framing (banner, `Key: Value` blocks), answers `Login`,
`Ping`, `DBGet`/`DBPut`, and can refuse a secret, deny a class, answer
slowly, send malformed frames or drop the connection.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

BANNER = b"Asterisk Call Manager/9.0.0\r\n"


@dataclass
class FakeAmi:
    """One manager user (`centrex` / `secret`) and an AstDB."""

    secret: str = "secret"
    astdb: dict[str, str] = field(default_factory=dict)
    #: Actions answered with "Permission denied" (the user lacks their class).
    denied: set[str] = field(default_factory=set)
    delay: float = 0.0
    #: Sent instead of the next answer: a frame that is not AMI.
    garbage: bytes | None = None
    drop_after_login: bool = False
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def send_event(self, **fields: str) -> None:
        for writer in self._writers:
            writer.write(_frame(fields))
            await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        if (task := asyncio.current_task()) is not None:
            self._tasks.append(task)
        writer.write(BANNER)
        try:
            while (message := await _read(reader)) is not None:
                await asyncio.sleep(self.delay)
                if self.garbage is not None:
                    writer.write(self.garbage)
                    self.garbage = None
                    continue
                writer.write(_frame(self._answer(message)))
                await writer.drain()
                if message.get("Action") == "Login" and self.drop_after_login:
                    writer.close()
                    return
        except ConnectionError, asyncio.IncompleteReadError:
            pass

    def _answer(self, message: dict[str, str]) -> dict[str, str]:
        action = message.get("Action", "")
        reply = {"ActionID": message.get("ActionID", "")}
        if action in self.denied:
            return {"Response": "Error", **reply, "Message": "Permission denied"}
        match action:
            case "Login":
                if message.get("Secret") != self.secret:
                    return {"Response": "Error", **reply, "Message": "Authentication failed"}
                return {"Response": "Success", **reply, "Message": "Authentication accepted"}
            case "Ping":
                return {"Response": "Success", **reply, "Ping": "Pong"}
            case "DBPut":
                self.astdb[f"{message['Family']}/{message['Key']}"] = message.get("Val", "")
                return {"Response": "Success", **reply, "Message": "Updated database successfully"}
            case "DBGet":
                key = f"{message['Family']}/{message['Key']}"
                if key not in self.astdb:
                    return {"Response": "Error", **reply, "Message": "Database entry not found"}
                return {"Response": "Success", **reply, "Val": self.astdb[key]}
        return {"Response": "Error", **reply, "Message": "Invalid/unknown command"}


def _frame(fields: dict[str, str]) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode()


async def _read(reader: asyncio.StreamReader) -> dict[str, str] | None:
    message: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line:
            return None
        text = line.decode().rstrip("\r\n")
        if not text:
            if message:
                return message
            continue
        key, _, value = text.partition(":")
        message[key.strip()] = value.strip()
