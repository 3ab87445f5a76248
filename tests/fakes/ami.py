"""A fake Asterisk manager interface over real TCP, for what a real server won't do on demand.

It speaks AMI's framing (banner, `Key: Value` blocks, event lists) and
answers the actions the driver sends exactly as Asterisk 20 does: the
answers were recorded from the real server the tests start (tests/pbx.py),
and `test_asterisk_fake.py` replays the same actions on both when one is
available. It can also refuse a secret, deny a class, answer slowly, send
malformed frames or drop the connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

BANNER = b"Asterisk Call Manager/9.0.0\r\n"
USERNAME = "centrex"
SECRET = "fake-ami-s3cr3t-9f2"

type Message = dict[str, str]


@dataclass
class FakePeer:
    """A SIP peer (a phone) as `SIPpeers` lists it."""

    name: str
    description: str = ""
    registered: bool = False
    dynamic: bool = True


@dataclass
class FakeAmi:
    """One manager user, an AstDB, SIP peers and channels."""

    secret: str = SECRET
    astdb: dict[str, str] = field(default_factory=dict)
    peers: list[FakePeer] = field(default_factory=list)
    #: Channels as `CoreShowChannels` lists them: name → ChannelState ("5" ringing, "6" up).
    channels: dict[str, str] = field(default_factory=dict)
    #: Device states set through `Setvar DEVICE_STATE(...)`.
    device_states: dict[str, str] = field(default_factory=dict)
    #: Actions answered with "Permission denied" (the user lacks their class).
    denied: set[str] = field(default_factory=set)
    delay: float = 0.0
    #: Sent instead of the next answer: a frame that is not AMI.
    garbage: bytes | None = None
    drop_after_login: bool = False
    #: Every action received, in order (Login's secret blanked).
    actions: list[Message] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    #: Answers (and closings) still on their way, cancelled when the fake closes.
    _timers: list[asyncio.TimerHandle] = field(default_factory=list)

    @classmethod
    def office(cls) -> FakeAmi:
        """Return a plain Asterisk with three phones, as the real-server tests configure."""
        return cls(
            peers=[
                FakePeer("201", "Reception", registered=True),
                FakePeer("202", "Workshop"),
                FakePeer("203", "Warehouse"),
                FakePeer("trunk", "Provider", dynamic=False),
            ]
        )

    @classmethod
    def freepbx(cls, extensions: int) -> FakeAmi:
        """Return a FreePBX with this many extensions (1000, 1001, …), a registered phone each."""
        fake = cls()
        for index in range(extensions):
            ext = str(1000 + index)
            fake.astdb.update(
                {
                    f"AMPUSER/{ext}/cidname": f"Extension {ext}",
                    f"AMPUSER/{ext}/device": ext,
                    f"AMPUSER/{ext}/ringtimer": "15",
                    f"DEVICE/{ext}/dial": f"SIP/{ext}",
                }
            )
            fake.peers.append(FakePeer(ext, f"Extension {ext}", registered=True))
        return fake

    async def start(self, port: int = 0) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]
        return f"127.0.0.1:{self.port}"

    async def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self.drop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            self._server.close_clients()
            await self._server.wait_closed()

    def drop(self) -> None:
        """Close every connection (the server restarted, the network broke)."""
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    def revoke(self) -> None:
        """Change the secret and drop the connections: the next login fails."""
        self.secret = "revoked"
        self.drop()

    async def send_event(self, **fields: str) -> None:
        for writer in list(self._writers):
            writer.write(_frame(fields))
            await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        if (task := asyncio.current_task()) is not None:
            self._tasks.append(task)
        writer.write(BANNER)
        try:
            while (message := await _read(reader)) is not None:
                self.actions.append({**message, **({"Secret": ""} if "Secret" in message else {})})
                if self.garbage is not None:
                    answer, self.garbage = self.garbage, None
                else:
                    answer = b"".join(_frame(fields) for fields in self._answer(message))
                last = message.get("Action") == "Login" and self.drop_after_login
                self._send(writer, answer, last=last)
                if last:
                    return
        except ConnectionError, asyncio.IncompleteReadError:
            pass
        finally:
            self._later(writer.close)  # after the answers still on their way

    def _send(self, writer: asyncio.StreamWriter, answer: bytes, *, last: bool) -> None:
        """Send an answer `delay` seconds after its action arrived.

        The delay stands for the network: actions sent together are answered
        together (the client tells the answers apart by their ActionID).
        """

        def send() -> None:
            if writer.is_closing():
                return
            writer.write(answer)
            if last:
                writer.close()

        self._later(send)

    def _later(self, callback: Callable[[], None]) -> None:
        if self.delay == 0:
            callback()
        else:
            self._timers.append(asyncio.get_running_loop().call_later(self.delay, callback))

    def _answer(self, message: Message) -> list[Message]:
        action = message.get("Action", "")
        reply = {"ActionID": message.get("ActionID", "")}
        if action in self.denied:
            return [_error(reply, "Permission denied")]
        handler = getattr(self, f"_action_{action.lower()}", None)
        if handler is None:
            return [
                _error(
                    reply,
                    f"Invalid/unknown command: {action}. "
                    "Use Action: ListCommands to show available commands.",
                )
            ]
        answers: list[Message] = handler(message, reply)
        return answers

    def _action_login(self, message: Message, reply: Message) -> list[Message]:
        if message.get("Username") != USERNAME or message.get("Secret") != self.secret:
            return [_error(reply, "Authentication failed")]
        return [{"Response": "Success", **reply, "Message": "Authentication accepted"}]

    def _action_ping(self, _message: Message, reply: Message) -> list[Message]:
        return [{"Response": "Success", **reply, "Ping": "Pong", "Timestamp": "0.000000"}]

    def _action_coresettings(self, _message: Message, reply: Message) -> list[Message]:
        return [
            {
                "Response": "Success",
                **reply,
                "AMIversion": "9.0.0",
                "AsteriskVersion": "20.20.1",
                "SystemName": "",
            }
        ]

    def _action_dbput(self, message: Message, reply: Message) -> list[Message]:
        self.astdb[f"{message['Family']}/{message['Key']}"] = message.get("Val", "")
        return [{"Response": "Success", **reply, "Message": "Updated database successfully"}]

    def _action_dbdel(self, message: Message, reply: Message) -> list[Message]:
        if self.astdb.pop(f"{message['Family']}/{message['Key']}", None) is None:
            return [_error(reply, "Database entry could not be deleted")]
        return [{"Response": "Success", **reply, "Message": "Key deleted successfully"}]

    def _action_dbget(self, message: Message, reply: Message) -> list[Message]:
        family, key = message["Family"], message["Key"]
        if f"{family}/{key}" not in self.astdb:
            return [_error(reply, "Database entry not found")]
        item = {"Event": "DBGetResponse", "Family": family, "Key": key}
        item["Val"] = self.astdb[f"{family}/{key}"]
        return _list(reply, [{**item, **reply}], "DBGetComplete")

    def _action_dbgettree(self, message: Message, reply: Message) -> list[Message]:
        prefix = "/".join(part for part in (message.get("Family"), message.get("Key")) if part)
        items = [
            {"Event": "DBGetTreeResponse", "Key": f"/{key}", "Val": value, **reply}
            for key, value in sorted(self.astdb.items())
            if not prefix or key == prefix or key.startswith(f"{prefix}/")
        ]
        return _list(reply, items, "DBGetTreeComplete")

    def _action_sippeers(self, _message: Message, reply: Message) -> list[Message]:
        items = [
            {
                "Event": "PeerEntry",
                **reply,
                "Channeltype": "SIP",
                "ObjectName": peer.name,
                "ChanObjectType": "peer",
                "IPaddress": "127.0.0.1" if peer.registered else "-none-",
                "IPport": "5070" if peer.registered else "0",
                "Dynamic": "yes" if peer.dynamic else "no",
                "Status": "Unmonitored",
                "Description": peer.description,
            }
            for peer in self.peers
        ]
        return _list(reply, items, "PeerlistComplete", "Peer status list will follow")

    def _action_coreshowchannels(self, _message: Message, reply: Message) -> list[Message]:
        items = [
            {"Event": "CoreShowChannel", **reply, "Channel": name, "ChannelState": state}
            for name, state in self.channels.items()
        ]
        return _list(reply, items, "CoreShowChannelsComplete", "Channels will follow")

    def _action_getvar(self, message: Message, reply: Message) -> list[Message]:
        return [{"Response": "Success", **reply, "Variable": message["Variable"], "Value": ""}]

    def _action_setvar(self, message: Message, reply: Message) -> list[Message]:
        variable = message["Variable"]
        if variable.startswith("DEVICE_STATE(") and variable.endswith(")"):
            device = variable.removeprefix("DEVICE_STATE(").removesuffix(")")
            self.device_states[device] = message.get("Value", "")
        return [{"Response": "Success", **reply, "Message": "Variable Set"}]


def _error(reply: Message, text: str) -> Message:
    return {"Response": "Error", **reply, "Message": text}


def _list(
    reply: Message, items: list[Message], complete: str, text: str = "Result will follow"
) -> list[Message]:
    """Return an event list as Asterisk sends one: acknowledgement, items, completion."""
    start = {"Response": "Success", **reply, "EventList": "start", "Message": text}
    end = {"Event": complete, **reply, "EventList": "Complete", "ListItems": str(len(items))}
    return [start, *items, end]


def _frame(fields: Message) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode()


async def _read(reader: asyncio.StreamReader) -> Message | None:
    message: Message = {}
    while True:
        line = await reader.readline()
        if not line:
            return None
        text = line.decode(errors="replace").rstrip("\r\n")
        if not text:
            if message:
                return message
            continue
        key, _, value = text.partition(":")
        message[key.strip()] = value.strip()
