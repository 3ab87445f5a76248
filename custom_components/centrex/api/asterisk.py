"""Asterisk and FreePBX, the office's own PBX, over the manager interface (AMI).

The settings live in Asterisk's database (AstDB), keyed as FreePBX's
`callforward` and `donotdisturb` modules keep them: `CF/<ext>` (always),
`CFB/<ext>` (busy), `CFU/<ext>` (no answer *and* unavailable: one rule),
`DND/<ext>` = `YES`, and the forward's ring time `AMPUSER/<ext>/cfringtimer`
(else the extension's `ringtimer`). A rule is on while its key exists; off
deletes the key, so the destination of a rule that is off is remembered here.
Writes also set the `Custom:` device states FreePBX's star codes set, so that
phone lamps follow, and the same device states tell us of star codes live.

FreePBX lists its extensions under `AMPUSER/<ext>/cidname`; a plain Asterisk
(with the dialplan shipped in `extensions_centrex.conf`) has its phones as
dynamic SIP peers or PJSIP endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from aiohttp import ClientSession

from .ami import AmiClient, Message
from .asterisk_events import EventTranslator, device_of
from .asterisk_numbers import DialPlan
from .exceptions import (
    CentrexConnectionError,
    CentrexError,
    CentrexLineNotFoundError,
    CentrexMissingDestinationError,
    CentrexRequestError,
)
from .models import (
    Account,
    CallState,
    DelayRange,
    DeviceKind,
    Forwarding,
    ForwardKind,
    ForwardRule,
    Line,
    LineFeatures,
)
from .provider import CentrexProvider, CredentialField, EventCallback, PushKind

DEFAULT_PORT = "5038"
#: FreePBX's callforward module accepts ring times up to 120 seconds.
DELAYS = DelayRange(minimum=1, maximum=120)
FEATURES = LineFeatures(
    # CFU is one rule for no answer and unavailable: offered as "no answer",
    # and read back as both (see `_forwarding`).
    forward_kinds=frozenset({ForwardKind.UNCONDITIONAL, ForwardKind.BUSY, ForwardKind.NO_ANSWER}),
    no_answer_delay=DELAYS,
    do_not_disturb=True,
)
#: The AstDB family of each rule, and the device state FreePBX sets for it.
FAMILIES = {ForwardKind.UNCONDITIONAL: "CF", ForwardKind.BUSY: "CFB", ForwardKind.NO_ANSWER: "CFU"}
FLAVOURS = ("auto", "freepbx", "asterisk")
TLS_MODES = ("off", "on", "self_signed")
#: Seconds between keep-alive pings on the event connection.
KEEPALIVE = 20.0
#: Channel states (`CoreShowChannel`) that say a device rings or talks.
_CHANNEL_STATES = {"5": CallState.RINGING, "6": CallState.IN_CALL}


@dataclass(frozen=True, slots=True)
class _Extension:
    """One extension: its name and the devices (`SIP/201`) that ring for it."""

    id: str
    name: str
    devices: tuple[str, ...]
    #: FreePBX's own device ids, for the per-device lamps (`Custom:DEVCF<id>`).
    device_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class _Pbx:
    """One reading of the PBX: the AstDB families we use, the phones, the channels."""

    trees: dict[str, dict[str, str]]
    registered: dict[str, bool] = field(default_factory=dict)
    channels: dict[str, CallState] = field(default_factory=dict)


class AsteriskProvider(CentrexProvider):
    """An Asterisk or FreePBX PBX, through one manager connection."""

    name = "asterisk"
    display_name = "Asterisk / FreePBX"
    credential_fields = (
        CredentialField("host"),
        CredentialField("port", default=DEFAULT_PORT),
        CredentialField("username", sensitive=True),
        CredentialField("secret", secret=True),
        CredentialField("tls", default="off", choices=TLS_MODES),
        CredentialField("flavour", default="auto", choices=FLAVOURS),
        CredentialField("outside_prefix", required=False),
        CredentialField("country", required=False),
    )
    push = PushKind.STREAM

    def __init__(
        self, session: ClientSession, config: Mapping[str, Any], timeout: float = 10
    ) -> None:
        """Keep how to reach the manager interface; nothing is connected yet."""
        super().__init__(session, config)
        self._host = str(config.get("host", ""))
        try:
            self._port = int(str(config.get("port") or DEFAULT_PORT))
        except ValueError:
            self._port = -1
        self._username = str(config.get("username", ""))
        self._secret = str(config.get("secret", ""))
        self._tls = str(config.get("tls") or "off")
        self._flavour = str(config.get("flavour") or "auto")
        country = str(config.get("country") or "").strip().upper() or None
        self._plan = DialPlan(str(config.get("outside_prefix") or "").strip(), country)
        self._timeout = timeout
        self._client: AmiClient | None = None
        self._connecting = asyncio.Lock()
        self._extensions: dict[str, _Extension] = {}
        self._device_lines: dict[str, str] = {}
        self._lines: dict[str, Line] = {}
        #: Destinations of rules that are off (their AstDB key is deleted).
        self._remembered: dict[tuple[str, str], str] = {}
        self._on_event: EventCallback | None = None
        self._events = EventTranslator(self._device_lines.get, self._lines.get)

    # -- connection ------------------------------------------------------

    async def _ami(self) -> AmiClient:
        async with self._connecting:
            client = self._client
            if client is None or client.closed is None or client.closed.done():
                if not 0 < self._port < 65536 or not self._host:
                    raise CentrexConnectionError("no valid host and port")
                client = AmiClient(
                    self._host,
                    self._port,
                    self._username,
                    self._secret,
                    tls=await self._tls_context(),
                    timeout=self._timeout,
                )
                client.on_event = self._handle_event
                await client.async_connect()
                self._client = client
            return client

    async def _tls_context(self) -> ssl.SSLContext | None:
        if self._tls == "off":
            return None
        # Loading the system's certificates reads files: not in the event loop.
        context = await asyncio.to_thread(ssl.create_default_context)
        if self._tls == "self_signed":
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    async def _action(self, action: str, fields: Mapping[str, str] | None = None) -> list[Message]:
        client = await self._ami()
        try:
            return await client.async_action(action, fields)
        except CentrexConnectionError:
            if client.closed is None or not client.closed.done():
                raise  # not answered in time: the PBX is there but stuck
        # The connection was lost (a PBX restart): every action we send sets
        # or reads a value, so sending it again on a new connection is safe.
        return await (await self._ami()).async_action(action, fields)

    async def async_close(self) -> None:
        """Log off and close the manager connection."""
        if self._client is not None:
            await self._client.async_close()
            self._client = None

    # -- reading ---------------------------------------------------------

    async def async_get_account(self) -> Account:
        """Log in, check the manager user's classes, and name the PBX."""
        settings = (await self._action("CoreSettings"))[0]
        # Device states (phone lamps) are set through `Setvar`: class "call".
        await self._action("Getvar", {"Variable": "CENTREXCHECK"})
        name = settings.get("SystemName") or f"PBX {self._host}"
        return Account(id=await self._account_id(), name=name, provider=self.name)

    async def _account_id(self) -> str:
        """Return the PBX's identity, kept in AstDB so that a new address is the same PBX."""
        found = await self._tree("CENTREX", "account")
        if account_id := found.get("account"):
            return account_id
        account_id = f"asterisk-{uuid.uuid4().hex[:12]}"
        await self._action("DBPut", {"Family": "CENTREX", "Key": "account", "Val": account_id})
        return account_id

    async def _tree(self, family: str, key: str = "") -> dict[str, str]:
        """Return an AstDB family's keys (below `family/`) and values."""
        fields = {"Family": family, **({"Key": key} if key else {})}
        messages = await self._action("DBGetTree", fields)
        prefix = f"/{family}/"
        return {
            message["Key"].removeprefix(prefix): message.get("Val", "")
            for message in messages[1:]
            if message.get("Event") == "DBGetTreeResponse" and "Key" in message
        }

    async def _optional_list(self, action: str) -> list[Message]:
        """Return an action's list, or nothing where its module is not loaded."""
        try:
            return (await self._action(action))[1:]
        except CentrexRequestError:
            return []

    async def _read_pbx(self) -> _Pbx:
        # Sent together on the one connection (the answers are told apart by
        # their ActionID): one round trip, not nine, on a PBX across a WAN.
        families = ("AMPUSER", "DEVICE", "CF", "CFB", "CFU", "DND")
        lists = ("SIPpeers", "PJSIPShowEndpoints", "CoreShowChannels")
        reads = await _each(
            [
                *(self._tree(family) for family in families),
                *(self._optional_list(action) for action in lists),
            ]
        )
        trees = cast("list[dict[str, str]]", reads[: len(families)])
        peers, endpoints, channels = cast("list[list[Message]]", reads[len(families) :])
        pbx = _Pbx(dict(zip(families, trees, strict=True)))
        for peer in peers:
            if peer.get("Event") == "PeerEntry" and (name := peer.get("ObjectName")):
                pbx.registered[f"SIP/{name}"] = peer.get("IPaddress", "-none-") != "-none-"
        for endpoint in endpoints:
            if endpoint.get("Event") == "EndpointList" and (name := endpoint.get("ObjectName")):
                pbx.registered[f"PJSIP/{name}"] = endpoint.get("DeviceState") != "Unavailable"
        for channel in channels:
            state = _CHANNEL_STATES.get(channel.get("ChannelState", ""))
            device = device_of(channel.get("Channel", ""))
            if state is not None and device and pbx.channels.get(device) is not CallState.IN_CALL:
                pbx.channels[device] = state
        self._discover(pbx, peers, endpoints)
        return pbx

    def _discover(self, pbx: _Pbx, peers: list[Message], endpoints: list[Message]) -> None:
        ampuser = pbx.trees["AMPUSER"]
        freepbx_ids = sorted(key.split("/")[0] for key in ampuser if key.endswith("/cidname"))
        freepbx = self._flavour == "freepbx" or (self._flavour == "auto" and bool(freepbx_ids))
        found: dict[str, _Extension] = {}
        if freepbx:
            for ext in freepbx_ids:
                device_ids = tuple(d for d in ampuser.get(f"{ext}/device", ext).split("&") if d)
                devices = tuple(
                    pbx.trees["DEVICE"].get(f"{device}/dial") or f"SIP/{device}"
                    for device in device_ids
                )
                name = ampuser.get(f"{ext}/cidname") or ext
                found[ext] = _Extension(ext, name, devices, device_ids)
        else:
            for peer in peers:
                name = peer.get("ObjectName", "")
                if peer.get("Event") == "PeerEntry" and peer.get("Dynamic") == "yes" and name:
                    label = peer.get("Description") or name
                    found[name] = _Extension(name, label, (f"SIP/{name}",))
            for endpoint in endpoints:
                name = endpoint.get("ObjectName", "")
                if endpoint.get("Event") == "EndpointList" and name and name not in found:
                    found[name] = _Extension(name, name, (f"PJSIP/{name}",))
        self._extensions = found
        self._device_lines.clear()
        for extension in found.values():
            for device in extension.devices:
                self._device_lines[device] = extension.id

    def _line(self, ext: _Extension, pbx: _Pbx) -> Line:
        registrations = [pbx.registered[d] for d in ext.devices if d in pbx.registered]
        states = {pbx.channels[d] for d in ext.devices if d in pbx.channels}
        if CallState.IN_CALL in states:
            call_state = CallState.IN_CALL
        else:
            call_state = CallState.RINGING if states else CallState.IDLE
        line = Line(
            id=ext.id,
            name=ext.name,
            number=None,
            device_kind=DeviceKind.DESK_PHONE,
            features=FEATURES,
            forwarding=self._forwarding(ext.id, pbx.trees),
            do_not_disturb=bool(pbx.trees["DND"].get(ext.id)),
            registered=any(registrations) if registrations else None,
            call_state=call_state,
        )
        self._lines[ext.id] = line
        return line

    def _forwarding(self, ext: str, trees: Mapping[str, Mapping[str, str]]) -> Forwarding:
        rules: dict[ForwardKind, ForwardRule] = {}
        extensions = self._extensions.keys()  # a view: nothing copied per line
        for kind, family in FAMILIES.items():
            if dialled := trees[family].get(ext):
                rule = self._plan.read(ext, dialled, extensions)
                if rule.destination is not None:
                    self._remembered[ext, family] = rule.destination
            else:
                rule = ForwardRule(active=False, destination=self._remembered.get((ext, family)))
            rules[kind] = rule
        # FreePBX's CFU also takes the calls of an unreachable phone: shown as such.
        rules[ForwardKind.UNREACHABLE] = rules[ForwardKind.NO_ANSWER]
        return Forwarding(rules, no_answer_delay=_delay(trees["AMPUSER"], ext))

    async def async_get_lines(self) -> list[Line]:
        """Read every extension with its settings, registration and calls."""
        pbx = await self._read_pbx()
        return [self._line(ext, pbx) for ext in self._extensions.values()]

    async def async_get_line(self, line_id: str) -> Line:
        """Read one extension: a FreePBX extension's own keys, else the whole PBX.

        A FreePBX extension already read has its settings read back alone (one
        round trip of small answers, whatever the size of the PBX), its phone's
        registration and calls kept as last read: events keep those current.
        """
        ext, last = self._extensions.get(line_id), self._lines.get(line_id)
        if ext is not None and last is not None and ext.device_ids:
            families = ("AMPUSER", *FAMILIES.values(), "DND")
            trees = await _each([self._tree(family, ext.id) for family in families])
            own = dict(zip(families, trees, strict=True))
            if own["AMPUSER"].get(f"{ext.id}/cidname") is not None:
                return self._keep(
                    replace(
                        last,
                        forwarding=self._forwarding(ext.id, own),
                        do_not_disturb=bool(own["DND"].get(ext.id)),
                    )
                )
        pbx = await self._read_pbx()
        if (ext := self._extensions.get(line_id)) is None:
            raise CentrexLineNotFoundError("unknown extension", field="line")
        return self._line(ext, pbx)

    def _keep(self, line: Line) -> Line:
        self._lines[line.id] = line
        return line

    # -- writing ---------------------------------------------------------

    async def _known(self, line_id: str) -> _Extension:
        if not self._extensions:
            await self._read_pbx()
        if (ext := self._extensions.get(line_id)) is None:
            raise CentrexLineNotFoundError("unknown extension", field="line")
        return ext

    async def async_set_forwarding(self, line_id: str, forwarding: Forwarding) -> None:
        """Write the rules that differ from AstDB; check everything before writing anything."""
        ext = await self._known(line_id)
        extensions = self._extensions.keys()
        wanted: dict[str, str | None] = {}
        for kind, family in FAMILIES.items():
            rule = forwarding.rule(kind)
            wanted[family] = None
            if rule.active:
                if not rule.destination:
                    raise CentrexMissingDestinationError
                wanted[family] = self._plan.dial(ext.id, rule.destination, extensions)
        delay = forwarding.no_answer_delay
        if delay is not None:
            delay = DELAYS.checked(delay)
        # The extension's keys, read together just before writing.
        *trees, ampuser = await _each(
            [
                *(self._tree(family, ext.id) for family in FAMILIES.values()),
                self._tree("AMPUSER", ext.id),
            ]
        )
        current = {
            family: tree.get(ext.id) for family, tree in zip(FAMILIES.values(), trees, strict=True)
        }
        writes: list[Awaitable[object]] = []
        for kind, family in FAMILIES.items():
            if (destination := forwarding.rule(kind).destination) is not None:
                self._remembered[ext.id, family] = destination
            if wanted[family] != current[family]:
                writes.append(
                    self._set_key(ext, family, wanted[family], was_set=bool(current[family]))
                )
        if delay is not None and delay != _delay(ampuser, ext.id):
            writes.append(self._put("AMPUSER", f"{ext.id}/cfringtimer", str(delay)))
        await _all(writes)

    async def async_set_do_not_disturb(self, line_id: str, enabled: bool) -> None:  # noqa: FBT001
        """Set or delete `DND/<ext>`, and the lamps."""
        ext = await self._known(line_id)
        was_set = bool((await self._tree("DND", ext.id)).get(ext.id))
        if enabled or was_set:
            await self._set_key(ext, "DND", "YES" if enabled else None, was_set=was_set)
        else:
            await self._lamps(ext, "DND", on=False)

    async def _set_key(
        self, ext: _Extension, family: str, value: str | None, *, was_set: bool
    ) -> None:
        """Put or delete `<family>/<ext>` with its lamps, sent together (one round trip).

        The PBX runs them in order; should the key not be written, the lamps
        are put back as the key still is.
        """
        key: Awaitable[object]
        if value is None:
            key = self._action("DBDel", {"Family": family, "Key": ext.id})
        else:
            key = self._put(family, ext.id, value)
        written, lamps = await asyncio.gather(
            key, self._lamps(ext, family, on=value is not None), return_exceptions=True
        )
        if isinstance(written, BaseException):
            with contextlib.suppress(CentrexError):
                await self._lamps(ext, family, on=was_set)
            raise written
        if isinstance(lamps, BaseException):
            raise lamps

    async def _put(self, family: str, key: str, value: str) -> None:
        await self._action("DBPut", {"Family": family, "Key": key, "Val": value})

    async def _lamps(self, ext: _Extension, family: str, *, on: bool) -> None:
        """Set the device states FreePBX's star codes set, so that phone lamps follow."""
        state = "BUSY" if on else "NOT_INUSE"
        names = [f"{family}{ext.id}", *(f"DEV{family}{device}" for device in ext.device_ids)]
        for name in names:
            self._events.expect_state(f"Custom:{name}", state)
        await _all(
            self._action("Setvar", {"Variable": f"DEVICE_STATE(Custom:{name})", "Value": state})
            for name in names
        )

    # -- live events -----------------------------------------------------

    async def async_listen(self, on_event: EventCallback, on_connected: Callable[[], None]) -> None:
        """Follow the manager's events on the shared connection, pinging it to keep it alive."""
        client = await self._ami()
        if not self._extensions:
            await self._read_pbx()
        self._on_event = on_event
        on_connected()
        try:
            while True:
                assert client.closed is not None  # noqa: S101 - set once connected
                try:
                    async with asyncio.timeout(KEEPALIVE):
                        reason = await asyncio.shield(client.closed)
                except TimeoutError:
                    await client.async_action("Ping")
                else:
                    raise CentrexConnectionError(reason)
        except CentrexError:
            await client.async_close()
            raise
        finally:
            self._on_event = None
            self._events.forget()

    def _handle_event(self, message: Message) -> None:
        if self._on_event is None:
            return
        for event in self._events.translate(message):
            self._on_event(event)


async def _each[T](actions: Iterable[Awaitable[T]]) -> list[T]:
    """Send actions together and wait for every answer; raise the first failure.

    Waiting for all of them (not only up to the first failure) leaves nothing
    running behind a failed read or write.
    """
    results = await asyncio.gather(*actions, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return cast("list[T]", results)


async def _all(actions: Iterable[Awaitable[object]]) -> None:
    """Send actions together and wait for every answer; raise the first failure."""
    await _each(actions)


def _delay(ampuser: Mapping[str, str], ext: str) -> int | None:
    """Return the forward's ring time: `cfringtimer`, else the extension's `ringtimer`."""
    for key in ("cfringtimer", "ringtimer"):
        value = ampuser.get(f"{ext}/{key}", "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None
