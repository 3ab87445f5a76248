"""Asterisk manager events turned into line events.

A call to an extension is the dial of one of its devices: `DialBegin` rings
it, `DialEnd` tells whether it was answered, and the device channel's
`Hangup` ends an answered call. Calls are named by their `Linkedid`, which
every channel of one call shares. A dial that ends unanswered is a missed
call, unless the line's own busy or no-answer rule takes the call on: then
it was forwarded. Registrations come as `PeerStatus`; star codes on the
phone and FreePBX's own pages announce settings as `Custom:` device states.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .models import ForwardKind, Line, LineEvent, LineEventType

type Message = dict[str, str]

#: `SIP/201-0000002a` → `SIP/201`; `PJSIP/201-00000003` → `PJSIP/201`.
_CHANNEL = re.compile(r"^(?P<device>[A-Za-z0-9]+/[^-]+)-[0-9a-f]+$")
#: `Custom:CF201`, `Custom:DEVDND201`, … as FreePBX's feature codes set them.
_SETTING_STATE = re.compile(r"^Custom:(?:DEV)?(?:CFB|CFU|CF|DND)(?P<device>.+)$")
_REGISTERED = frozenset({"Registered", "Reachable"})
_UNREGISTERED = frozenset({"Unregistered", "Unreachable", "Rejected"})
#: Why a dial ended unanswered, and which rule of the line then takes the call.
_TAKEN_BY = {
    "NOANSWER": ForwardKind.NO_ANSWER,
    "BUSY": ForwardKind.BUSY,
    "CHANUNAVAIL": ForwardKind.NO_ANSWER,  # FreePBX's CFU also covers unreachable
}


def device_of(channel: str) -> str | None:
    """Return the device (`SIP/201`) of a channel name, or None for local channels."""
    found = _CHANNEL.match(channel)
    return found["device"] if found else None


@dataclass(slots=True)
class _Ringing:
    line_id: str
    call_id: str
    answered: bool = False


class EventTranslator:
    """Follows the manager's events; returns the line events they mean."""

    def __init__(
        self, line_of_device: Callable[[str], str | None], line: Callable[[str], Line | None]
    ) -> None:
        """Use the PBX's extensions as the driver last read them."""
        self._line_of_device = line_of_device
        self._line = line
        #: Device channels ringing or in a call, by their Uniqueid.
        self._dials: dict[str, _Ringing] = {}
        self._own_states: dict[str, str] = {}
        self._handlers: dict[str, Callable[[Message], list[LineEvent]]] = {
            "DialBegin": self._dial_begin,
            "DialEnd": self._dial_end,
            "Hangup": self._hangup,
            "PeerStatus": self._peer_status,
            "DeviceStateChange": self._device_state,
        }

    def translate(self, event: Message) -> list[LineEvent]:
        """Return the line events an AMI event means (most mean none)."""
        name = event.get("Event", "")
        if name == "UserEvent" and event.get("UserEvent") == "CentrexForwarded":
            return self._forwarded(event)
        handler = self._handlers.get(name)
        return handler(event) if handler is not None else []

    def _line_of_channel(self, channel: str) -> str | None:
        device = device_of(channel)
        return self._line_of_device(device) if device else None

    def _dial_begin(self, event: Message) -> list[LineEvent]:
        line_id = self._line_of_channel(event.get("DestChannel", ""))
        unique_id = event.get("DestUniqueid", "")
        if line_id is None or not unique_id:
            return []
        call_id = event.get("DestLinkedid") or event.get("Linkedid") or unique_id
        self._dials[unique_id] = _Ringing(line_id, call_id)
        return [
            LineEvent(
                line_id,
                LineEventType.INCOMING,
                call_id=call_id,
                caller=event.get("CallerIDNum") or None,
                caller_name=_name(event.get("CallerIDName")),
            )
        ]

    def _dial_end(self, event: Message) -> list[LineEvent]:
        unique_id = event.get("DestUniqueid", "")
        dial = self._dials.get(unique_id)
        if dial is None or dial.answered:
            return []
        status = event.get("DialStatus", "")
        if status == "ANSWER":
            dial.answered = True
            return [LineEvent(dial.line_id, LineEventType.ANSWERED, call_id=dial.call_id)]
        del self._dials[unique_id]
        line = self._line(dial.line_id)
        kind = _TAKEN_BY.get(status)
        taken = kind is not None and line is not None and line.forwarding.is_active(kind)
        kind_of_end = LineEventType.FORWARDED if taken else LineEventType.MISSED
        return [LineEvent(dial.line_id, kind_of_end, call_id=dial.call_id)]

    def _hangup(self, event: Message) -> list[LineEvent]:
        dial = self._dials.pop(event.get("Uniqueid", ""), None)
        if dial is not None:
            end = LineEventType.ENDED if dial.answered else LineEventType.MISSED
            return [LineEvent(dial.line_id, end, call_id=dial.call_id)]
        # A star code dialled from the line's phone may have changed its settings.
        line_id = self._line_of_channel(event.get("Channel", ""))
        if line_id is not None and event.get("Exten", "").startswith("*"):
            return [LineEvent(line_id, LineEventType.SETTINGS_CHANGED)]
        return []

    def _peer_status(self, event: Message) -> list[LineEvent]:
        line_id = self._line_of_device(event.get("Peer", ""))
        status = event.get("PeerStatus", "")
        if line_id is None:
            return []
        if status in _REGISTERED:
            return [LineEvent(line_id, LineEventType.REGISTERED)]
        if status in _UNREGISTERED:
            return [LineEvent(line_id, LineEventType.UNREGISTERED)]
        return []

    def _forwarded(self, event: Message) -> list[LineEvent]:
        """Our dialplan's word that it forwarded a call (an unconditional forward never rings)."""
        line_id = event.get("Line", "")
        if self._line(line_id) is None:
            return []
        call_id = event.get("Linkedid") or None
        return [LineEvent(line_id, LineEventType.FORWARDED, call_id=call_id)]

    def expect_state(self, device: str, state: str) -> None:
        """Note a device state we set ourselves: its change is not news from elsewhere."""
        self._own_states[device] = state

    def _device_state(self, event: Message) -> list[LineEvent]:
        device_name = event.get("Device", "")
        if self._own_states.pop(device_name, None) == event.get("State"):
            return []
        found = _SETTING_STATE.match(device_name)
        if found is None:
            return []
        device = found["device"]
        # `Custom:CF201` names the extension; `Custom:DEVCF201` its device.
        line_id = device if self._line(device) is not None else None
        line_id = line_id or self._line_of_device(f"SIP/{device}")
        if line_id is None:
            return []
        return [LineEvent(line_id, LineEventType.SETTINGS_CHANGED)]

    def forget(self) -> None:
        """Drop calls in progress (after a lost connection, polling tells again)."""
        self._dials.clear()


def _name(caller_name: str | None) -> str | None:
    """Return a caller's name, or None where Asterisk says it does not know one."""
    if not caller_name or caller_name in {"<unknown>", "unknown"}:
        return None
    return caller_name
