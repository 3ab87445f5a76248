"""The built-in demo account: a small manufacturer's lines, simulated in memory.

It behaves like a real provider: it validates what it is sent (E.164
destinations, the no-answer delay range, forwarding loops, premium-rate
numbers) and rejects what a real one would, and its lines take and finish
calls now and then so call states move.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import ClientSession

from .exceptions import CentrexLineNotFoundError, CentrexRequestError
from .models import (
    VOICEMAIL,
    Account,
    CallState,
    DelayRange,
    DeviceKind,
    Forwarding,
    ForwardKind,
    ForwardRule,
    Line,
    LineEvent,
    LineEventType,
    LineFeatures,
    LineOption,
    destination_line_id,
    line_destination,
)
from .numbers import is_e164, is_premium_rate
from .provider import CentrexProvider, CredentialField, EventCallback, PushKind

DEMO_ACCOUNT_ID = "demo-atelier-durand"
DEMO_DELAYS = DelayRange(minimum=5, maximum=60, step=5)
DEMO_FEATURES = LineFeatures(
    forward_kinds=frozenset(ForwardKind),
    no_answer_delay=DEMO_DELAYS,
    do_not_disturb=True,
    options=frozenset(LineOption),
    voicemail_messages=True,
)

# Chances, per refresh, that a call starts on an idle line, that a ringing
# call is answered (otherwise it is missed), and that a call ends.
_P_CALL_STARTS = 0.08
_P_ANSWERED = 0.7
_P_CALL_ENDS = 0.35


@dataclass(frozen=True, slots=True)
class _DemoLine:
    """A demo line's fixed identity; its changing state lives in `Line`."""

    id: str
    name: str
    number: str
    device_kind: DeviceKind
    holder: str | None = None
    registered: bool = True


_CALLERS = (
    ("+33612345699", "Garage Moreau"),
    ("+33298765432", None),
    ("+4930123456789", "Schmidt Maschinenbau"),
)

_DEMO_LINES = (
    _DemoLine("reception", "Reception", "+33184801200", DeviceKind.DESK_PHONE),
    _DemoLine("workshop", "Workshop", "+33184801201", DeviceKind.DESK_PHONE),
    _DemoLine("assembly", "Assembly line", "+33184801202", DeviceKind.DESK_PHONE),
    _DemoLine("warehouse", "Warehouse", "+33184801203", DeviceKind.DESK_PHONE),
    _DemoLine(
        "sales_claire", "Sales (Claire)", "+33184801210", DeviceKind.SOFTPHONE, "Claire Martin"
    ),
    _DemoLine(
        "sales_julien",
        "Sales (Julien)",
        "+33184801211",
        DeviceKind.SOFTPHONE,
        "Julien Petit",
        registered=False,
    ),
)


def _initial_forwarding(line: _DemoLine) -> Forwarding:
    """Return the forwarding the office left in the provider's portal."""
    if line.id == "reception":
        rule = ForwardRule(active=True, destination=line_destination("sales_claire"))
        return Forwarding({ForwardKind.NO_ANSWER: rule}, no_answer_delay=20)
    if line.id == "sales_claire":
        rule = ForwardRule(active=True, destination="+33612345601")
        return Forwarding({ForwardKind.UNREACHABLE: rule}, no_answer_delay=20)
    return Forwarding(no_answer_delay=20)


class DemoProvider(CentrexProvider):
    """A simulated account; `seed` makes its calls reproducible."""

    name = "demo"
    display_name = "Centrex demo"
    push = PushKind.STREAM
    in_memory = True
    credential_fields = (CredentialField("seed", required=False, advanced=True),)

    def __init__(self, session: ClientSession, config: Mapping[str, Any]) -> None:
        """Create the account as the office found it on the first day."""
        super().__init__(session, config)
        seed = config.get("seed")
        self._random = random.Random(seed)  # noqa: S311 - simulation, not security
        self._lines: dict[str, Line] = {
            demo.id: Line(
                id=demo.id,
                name=demo.name,
                number=demo.number,
                device_kind=demo.device_kind,
                features=DEMO_FEATURES,
                forwarding=_initial_forwarding(demo),
                do_not_disturb=False,
                registered=demo.registered,
                call_state=CallState.IDLE,
                holder=demo.holder,
                options=dict.fromkeys(LineOption, False),
                new_voicemails=2 if demo.id == "reception" else 0,
            )
            for demo in _DEMO_LINES
        }
        self._listeners: list[EventCallback] = []
        self._call_ids = itertools.count(1)
        self._current_call: dict[str, str] = {}

    async def async_listen(self, on_event: EventCallback, on_connected: Callable[[], None]) -> None:
        """Receive the simulated calls' events as they happen (at each refresh)."""
        self._listeners.append(on_event)
        on_connected()
        try:
            await asyncio.Event().wait()  # the demo's stream never breaks
        finally:
            self._listeners.remove(on_event)

    def _emit(self, line: Line, state: CallState) -> None:
        """Tell listeners how a line's simulated call moved."""
        if state == line.call_state:
            return
        if state is CallState.RINGING:
            self._current_call[line.id] = f"demo-{next(self._call_ids)}"
        call_id = self._current_call.get(line.id, "demo-0")
        caller, caller_name = _CALLERS[int(call_id.rsplit("-", 1)[1]) % len(_CALLERS)]
        if state is CallState.RINGING:
            kind = LineEventType.INCOMING
        elif state is CallState.IN_CALL:
            kind = LineEventType.ANSWERED
        else:
            kind = (
                LineEventType.ENDED
                if line.call_state is CallState.IN_CALL
                else LineEventType.MISSED
            )
        event = LineEvent(line.id, kind, call_id, caller, caller_name)
        for listener in list(self._listeners):
            listener(event)

    async def async_get_account(self) -> Account:
        """Describe the demo account."""
        await asyncio.sleep(0)
        return Account(id=DEMO_ACCOUNT_ID, name="Atelier Durand (demo)", provider=self.name)

    async def async_get_lines(self) -> list[Line]:
        """Advance the simulated calls by one step and return every line."""
        await asyncio.sleep(0)
        for line_id, line in self._lines.items():
            state = self._next_call_state(line)
            self._emit(line, state)
            self._lines[line_id] = replace(line, call_state=state)
        return list(self._lines.values())

    async def async_get_line(self, line_id: str) -> Line:
        """Return one line."""
        await asyncio.sleep(0)
        return self._line(line_id)

    async def async_set_forwarding(self, line_id: str, forwarding: Forwarding) -> None:
        """Validate and store a line's forwarding, as a provider would."""
        await asyncio.sleep(0)
        line = self._line(line_id)
        self._validate_forwarding(line, forwarding, set(self._lines))
        self._lines[line_id] = replace(line, forwarding=forwarding)

    async def async_set_do_not_disturb(self, line_id: str, enabled: bool) -> None:  # noqa: FBT001
        """Store a line's do-not-disturb flag."""
        await asyncio.sleep(0)
        line = self._line(line_id)
        self._lines[line_id] = replace(line, do_not_disturb=enabled)

    async def async_set_option(self, line_id: str, option: LineOption, enabled: bool) -> None:  # noqa: FBT001
        """Store one of a line's options."""
        await asyncio.sleep(0)
        line = self._line(line_id)
        self._lines[line_id] = replace(line, options={**line.options, option: enabled})

    def _line(self, line_id: str) -> Line:
        try:
            return self._lines[line_id]
        except KeyError:
            raise CentrexLineNotFoundError("unknown line", field="line") from None

    def _next_call_state(self, line: Line) -> CallState:
        roll = self._random.random()
        match line.call_state:
            case CallState.RINGING:
                return CallState.IN_CALL if roll < _P_ANSWERED else CallState.IDLE
            case CallState.IN_CALL:
                return CallState.IDLE if roll < _P_CALL_ENDS else CallState.IN_CALL
            case _:
                can_ring = line.registered and not line.do_not_disturb
                return CallState.RINGING if can_ring and roll < _P_CALL_STARTS else CallState.IDLE

    @staticmethod
    def _validate_forwarding(line: Line, forwarding: Forwarding, line_ids: set[str]) -> None:
        delay = forwarding.no_answer_delay
        changed = delay != line.forwarding.no_answer_delay
        if delay is not None and changed and not DEMO_DELAYS.accepts(delay):
            raise CentrexRequestError("delay out of range", field="no_answer_delay")
        if forwarding.has_conflict():
            raise CentrexRequestError("unconditional forwarding excludes the others")
        for kind, rule in forwarding.rules.items():
            if rule.destination is None:
                if rule.active:
                    raise CentrexRequestError(f"{kind} needs a destination", field="destination")
            elif rule.destination != VOICEMAIL:
                _validate_destination(line, rule.destination, line_ids)


def _validate_destination(line: Line, destination: str, line_ids: set[str]) -> None:
    """Refuse what a provider would: unknown lines, loops, non-numbers, premium rates."""
    if (target := destination_line_id(destination)) is not None:
        if target not in line_ids:
            raise CentrexRequestError("no such line", field="destination")
        if target == line.id:
            raise CentrexRequestError("forwarding loop", field="destination")
        return
    if not is_e164(destination):
        raise CentrexRequestError("destination is not E.164", field="destination")
    if destination == line.number:
        raise CentrexRequestError("forwarding loop", field="destination")
    if is_premium_rate(destination):
        raise CentrexRequestError("premium-rate destination", field="destination")
