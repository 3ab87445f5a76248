"""Provider-neutral models of a Centrex account and its lines."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

from .exceptions import CentrexInvalidDelayError

#: The destination that sends calls to the line's voicemail instead of a number.
VOICEMAIL = "voicemail"
#: A destination that is another line of the same account (a colleague):
#: this prefix, then that line's id. Each driver maps it to what its provider
#: dials (an OVH line's number, a sipgate phoneline id).
LINE_PREFIX = "line:"
#: A destination the model cannot express (a sipgate group, for example): this
#: prefix, then the provider's own id. Shown read-only with the provider's
#: alias and never written by us; the drivers leave such entries as they are.
OTHER_PREFIX = "other:"


def line_destination(line_id: str) -> str:
    """Return the destination that forwards calls to another line of the account."""
    return f"{LINE_PREFIX}{line_id}"


def destination_line_id(destination: str | None) -> str | None:
    """Return the line a destination forwards to, or None if it is not a line."""
    if destination is None or not destination.startswith(LINE_PREFIX):
        return None
    return destination.removeprefix(LINE_PREFIX)


def is_other_destination(destination: str | None) -> bool:
    """Tell whether a destination is one the model cannot express (read-only)."""
    return destination is not None and destination.startswith(OTHER_PREFIX)


class ForwardKind(StrEnum):
    """The conditions under which a line forwards its calls."""

    UNCONDITIONAL = "unconditional"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    UNREACHABLE = "unreachable"


class CallState(StrEnum):
    """What a line is doing right now."""

    IDLE = "idle"
    RINGING = "ringing"
    IN_CALL = "in_call"


class DeviceKind(StrEnum):
    """The kind of terminal a line is used on, for the device model."""

    DESK_PHONE = "desk_phone"
    SOFTPHONE = "softphone"
    MOBILE = "mobile"


@dataclass(frozen=True, slots=True)
class ForwardRule:
    """One forwarding condition: whether it is on, and where calls go.

    The destination is kept when the rule is off, as providers do, so that
    turning it back on restores it. Destinations are E.164 numbers,
    `VOICEMAIL`, another line (`line_destination`) or, read-only, something
    the model cannot express (`OTHER_PREFIX`), which `label` then names as the
    provider does.
    """

    active: bool = False
    destination: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Forwarding:
    """The complete forwarding configuration of a line."""

    rules: dict[ForwardKind, ForwardRule] = field(default_factory=dict)
    no_answer_delay: int | None = None

    def rule(self, kind: ForwardKind) -> ForwardRule:
        """Return the rule for a kind (an inactive empty one when absent)."""
        return self.rules.get(kind, ForwardRule())

    def is_active(self, kind: ForwardKind) -> bool:
        """Tell whether a kind of forwarding is switched on."""
        return self.rule(kind).active

    def has_conflict(self) -> bool:
        """Tell whether unconditional forwarding is on together with another rule.

        Unconditional forwarding takes every call; providers (and OVH's own
        manager) treat it as exclusive.
        """
        return self.is_active(ForwardKind.UNCONDITIONAL) and any(
            rule.active for kind, rule in self.rules.items() if kind != ForwardKind.UNCONDITIONAL
        )

    def with_rule(self, kind: ForwardKind, rule: ForwardRule) -> Forwarding:
        """Return a copy with one rule replaced."""
        return replace(self, rules={**self.rules, kind: rule})


@dataclass(frozen=True, slots=True)
class DelayRange:
    """The no-answer delays a provider accepts, in seconds."""

    minimum: int
    maximum: int
    step: int = 1

    def accepts(self, delay: int) -> bool:
        """Tell whether a delay is one the provider would accept."""
        in_range = self.minimum <= delay <= self.maximum
        return in_range and (delay - self.minimum) % self.step == 0

    def checked(self, value: float) -> int:
        """Return `value` as a delay the provider accepts, or raise CentrexInvalidDelayError."""
        whole = math.isfinite(value) and value == int(value)
        if not whole or not self.accepts(int(value)):
            raise CentrexInvalidDelayError(str(value))
        return int(value)


class LineOption(StrEnum):
    """An on/off setting of a line besides forwarding and do-not-disturb."""

    ANONYMOUS_CALL_REJECTION = "anonymous_call_rejection"  # callers who hide their number
    HIDE_NUMBER = "hide_number"  # our number is not shown to the people we call


@dataclass(frozen=True, slots=True)
class LineFeatures:
    """What a line's provider lets us read and change."""

    forward_kinds: frozenset[ForwardKind]
    no_answer_delay: DelayRange | None
    do_not_disturb: bool
    options: frozenset[LineOption] = frozenset()
    #: Whether the provider tells how many voicemail messages are new.
    voicemail_messages: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    """A phone line and its current state."""

    id: str
    name: str
    number: str | None
    device_kind: DeviceKind
    features: LineFeatures
    forwarding: Forwarding
    do_not_disturb: bool
    registered: bool | None
    call_state: CallState | None
    holder: str | None = None
    options: dict[LineOption, bool] = field(default_factory=dict)
    #: New (unheard) voicemail messages; None when the provider cannot tell.
    new_voicemails: int | None = None


@dataclass(frozen=True, slots=True)
class Account:
    """The account a set of credentials gives access to."""

    id: str
    name: str
    provider: str


class LineEventType(StrEnum):
    """What happened on a line, as pushed by the provider."""

    INCOMING = "incoming"  # a call starts ringing
    ANSWERED = "answered"
    ENDED = "ended"  # an answered call hung up
    MISSED = "missed"  # a ringing call stopped without being answered
    FORWARDED = "forwarded"  # a ringing call was forwarded elsewhere (not missed)
    REGISTERED = "registered"  # a phone registered on the line
    UNREGISTERED = "unregistered"  # the line's phone is gone (unregistered, unreachable)
    #: The line's settings changed elsewhere (a star code on the phone): re-read it.
    SETTINGS_CHANGED = "settings_changed"


@dataclass(frozen=True, slots=True)
class LineEvent:
    """One pushed event about a line; `call_id` ties the events of one call together."""

    line_id: str
    type: LineEventType
    call_id: str | None = None
    caller: str | None = None
    caller_name: str | None = None
    #: For a forwarded leg, the id of the call it was forwarded from.
    original_call_id: str | None = None
