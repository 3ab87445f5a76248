"""sipgate forwardings: reading a phoneline's entries as our model, and changing them.

sipgate keeps, per phoneline, a list of at most three entries (destination,
timeout, active) that `PUT` replaces as a whole, plus the phoneline's
voicemail object (active, timeout). An entry with timeout 0 forwards every
call at once; a positive timeout forwards after that many seconds without
answer. Destinations are numbers (digits) or sipgate ids: phonelines (`p1`),
groups (`g1`) and other endpoints.

Our model shows one rule per kind: the entry that takes effect (the active one
with the shortest timeout, else the first). A change rewrites only the entries
of the kinds whose rule changed, and of those only what the change needs:
every other entry, its position, timeout and flags, goes back as it was read.
Entries whose destination the model cannot express (a group) are never
rewritten; they can only be switched off, with the kind they belong to.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from .exceptions import CentrexInvalidRequestError, CentrexMissingDestinationError
from .models import (
    OTHER_PREFIX,
    VOICEMAIL,
    Forwarding,
    ForwardKind,
    ForwardRule,
    destination_line_id,
    is_other_destination,
    line_destination,
)
from .numbers import is_e164

MAX_FORWARDINGS = 3
#: `Forwarding.timeout` in sipgate's schema: an integer up to 600.
MAX_TIMEOUT = 600
#: A no-answer delay we use when the user switches that forward on and the
#: line never had one.
DEFAULT_NO_ANSWER_DELAY = 20
FORWARD_KINDS = (ForwardKind.UNCONDITIONAL, ForwardKind.NO_ANSWER)


@dataclass(frozen=True, slots=True)
class Endpoints:
    """How sipgate ids and our line ids correspond, for one account."""

    #: sipgate endpoint id (p0, e0) → our line id.
    lines: dict[str, str]

    def to_model(self, destination: str) -> str:
        """Return our destination for a sipgate entry's destination."""
        if destination in self.lines:
            return line_destination(self.lines[destination])
        candidate = destination if destination.startswith("+") else f"+{destination}"
        if is_e164(candidate):
            return candidate
        return f"{OTHER_PREFIX}{destination}"

    def to_sipgate(self, destination: str) -> str:
        """Return the sipgate destination for one of ours (not voicemail, not other)."""
        if (line_id := destination_line_id(destination)) is not None:
            for endpoint, known in self.lines.items():
                if known == line_id:
                    return endpoint
            raise CentrexInvalidRequestError("no such line on this account", field="destination")
        if not is_e164(destination):
            raise CentrexInvalidRequestError(
                "destination is not a phone number", field="destination"
            )
        return destination.lstrip("+")


def _kind(timeout: int) -> ForwardKind:
    return ForwardKind.NO_ANSWER if timeout > 0 else ForwardKind.UNCONDITIONAL


@dataclass(slots=True)
class _Slot:
    """A place calls can go: an entry of the list (index) or the voicemail (None)."""

    index: int | None
    destination: str  # ours
    timeout: int
    active: bool
    label: str | None


def _slots(
    entries: list[dict[str, Any]], voicemail: dict[str, Any] | None, endpoints: Endpoints
) -> list[_Slot]:
    slots = [
        _Slot(
            index,
            endpoints.to_model(str(entry.get("destination", ""))),
            int(entry.get("timeout") or 0),
            bool(entry.get("active")),
            str(entry.get("alias") or "") or None,
        )
        for index, entry in enumerate(entries)
    ]
    if voicemail is not None:
        timeout = int(voicemail.get("timeout") or 0)
        slots.append(_Slot(None, VOICEMAIL, timeout, bool(voicemail.get("active")), None))
    return slots


def _effective(slots: list[_Slot], kind: ForwardKind) -> _Slot | None:
    """Return the slot that decides a kind: active with the shortest timeout, else the first."""
    of_kind = [slot for slot in slots if _kind(slot.timeout) is kind]
    active = [slot for slot in of_kind if slot.active]
    if active:
        return min(active, key=lambda slot: slot.timeout)
    return of_kind[0] if of_kind else None


def read_forwarding(
    entries: list[dict[str, Any]], voicemail: dict[str, Any] | None, endpoints: Endpoints
) -> Forwarding:
    """Describe a phoneline's entries and voicemail as our model."""
    slots = _slots(entries, voicemail, endpoints)
    rules: dict[ForwardKind, ForwardRule] = {}
    delay: int | None = None
    for kind in FORWARD_KINDS:
        slot = _effective(slots, kind)
        if slot is None:
            continue
        label = slot.label if is_other_destination(slot.destination) else None
        rules[kind] = ForwardRule(active=slot.active, destination=slot.destination, label=label)
        if kind is ForwardKind.NO_ANSWER:
            delay = slot.timeout
    return Forwarding(rules, no_answer_delay=delay)


@dataclass(slots=True)
class Plan:
    """What to send: the new entries (None: unchanged) and the new voicemail (None: unchanged)."""

    entries: list[dict[str, Any]] | None
    voicemail: dict[str, Any] | None


class _Planner:
    def __init__(
        self,
        entries: list[dict[str, Any]],
        voicemail: dict[str, Any] | None,
        endpoints: Endpoints,
    ) -> None:
        self.original_entries = entries
        self.original_voicemail = voicemail
        self.entries = deepcopy(entries)
        self.voicemail = deepcopy(voicemail)
        self.endpoints = endpoints

    def slots(self) -> list[_Slot]:
        return _slots(self.entries, self.voicemail, self.endpoints)

    def set_slot(self, slot: _Slot, **changes: Any) -> None:
        target = self.voicemail if slot.index is None else self.entries[slot.index]
        assert target is not None  # noqa: S101 - a voicemail slot exists only with one
        target.update(changes)

    def switch_off(self, kind: ForwardKind, keep: _Slot | None = None) -> None:
        """Switch off every active place of a kind but `keep`; destinations stay."""
        for slot in self.slots():
            kept = keep is not None and slot.index == keep.index
            if _kind(slot.timeout) is kind and slot.active and not kept:
                self.set_slot(slot, active=False)

    def set_delay(self, delay: int) -> None:
        """Set the no-answer delay on the one place that decides it.

        Several active no-answer places, or one we cannot express (a group),
        are beyond our one-delay model: refused rather than half-changed.
        """
        of_kind = [s for s in self.slots() if _kind(s.timeout) is ForwardKind.NO_ANSWER]
        active = [slot for slot in of_kind if slot.active]
        if len(active) > 1:
            raise CentrexInvalidRequestError(
                "several no-answer forwards are on; change their delays in sipgate's web app",
                field="no_answer_delay",
            )
        slot = active[0] if active else next(iter(of_kind), None)
        if slot is None:
            return  # no no-answer forward yet: the delay applies once one is made
        if is_other_destination(slot.destination):
            raise CentrexInvalidRequestError(
                "this forward can only be changed in sipgate's web app", field="no_answer_delay"
            )
        self.set_slot(slot, timeout=delay)

    def place_for(self, kind: ForwardKind, destination: str) -> _Slot | None:
        """Find where `destination` can go for a kind without losing anything."""
        slots = self.slots()
        if destination == VOICEMAIL:
            return next((slot for slot in slots if slot.index is None), None)
        of_kind = [slot for slot in slots if slot.index is not None and _kind(slot.timeout) is kind]
        same = next((slot for slot in of_kind if slot.destination == destination), None)
        if same is not None:
            return same
        # An entry of ours (a number or a line) that is switched off can be reused.
        return next(
            (
                slot
                for slot in of_kind
                if not slot.active and not is_other_destination(slot.destination)
            ),
            None,
        )

    def activate(self, kind: ForwardKind, destination: str, timeout: int) -> None:
        if is_other_destination(destination):
            current = _effective(self.slots(), kind)
            if current is None or current.destination != destination:
                raise CentrexInvalidRequestError(
                    "this destination can only be set in sipgate's web app", field="destination"
                )
            self.set_slot(current, active=True)
            self.switch_off(kind, keep=current)
            return
        slot = self.place_for(kind, destination)
        if slot is None:
            if destination == VOICEMAIL:
                raise CentrexInvalidRequestError("this line has no voicemail", field="destination")
            if len(self.entries) >= MAX_FORWARDINGS:
                raise CentrexInvalidRequestError(
                    "sipgate keeps at most three forwardings per line", field="destination"
                )
            self.entries.append(
                {
                    "destination": self.endpoints.to_sipgate(destination),
                    "timeout": timeout,
                    "active": True,
                }
            )
            slot = self.slots()[len(self.entries) - 1]
        elif slot.index is None:
            self.set_slot(slot, active=True, timeout=timeout)
        else:
            self.set_slot(
                slot,
                destination=self.endpoints.to_sipgate(destination),
                timeout=timeout,
                active=True,
            )
        self.switch_off(kind, keep=slot)

    def plan(self) -> Plan:
        entries = None if self.entries == self.original_entries else self.entries
        voicemail = None if self.voicemail == self.original_voicemail else self.voicemail
        # sipgate's Forwarding object has no alias: the PUT sends the three fields.
        if entries is not None:
            entries = [
                {
                    "destination": str(entry.get("destination", "")),
                    "timeout": int(entry.get("timeout") or 0),
                    "active": bool(entry.get("active")),
                }
                for entry in entries
            ]
        return Plan(entries, voicemail)


def _same(a: ForwardRule, b: ForwardRule) -> bool:
    return a.active == b.active and (a.destination == b.destination or not b.active)


def _check_target(target: Forwarding, current: Forwarding) -> int | None:
    """Refuse what sipgate cannot do; return the new no-answer delay, if it changes."""
    for kind in (ForwardKind.BUSY, ForwardKind.UNREACHABLE):
        if target.is_active(kind):
            raise CentrexInvalidRequestError(
                "sipgate cannot forward on busy or unreachable", field="kind"
            )
    if target.has_conflict():
        raise CentrexInvalidRequestError("unconditional forwarding excludes the others")
    delay = target.no_answer_delay
    if delay is None or delay == current.no_answer_delay:
        return None
    if not 1 <= delay <= MAX_TIMEOUT:
        raise CentrexInvalidRequestError("delay out of range (1 to 600 s)", field="no_answer_delay")
    return delay


def plan_forwarding(
    entries: list[dict[str, Any]],
    voicemail: dict[str, Any] | None,
    endpoints: Endpoints,
    target: Forwarding,
) -> Plan:
    """Return the writes that make a phoneline's forwarding `target`, touching nothing else.

    Only a value that changes is validated: an odd delay set in sipgate's web
    app does not block an unrelated change.
    """
    current = read_forwarding(entries, voicemail, endpoints)
    new_delay = _check_target(target, current)
    planner = _Planner(entries, voicemail, endpoints)
    for kind in FORWARD_KINDS:
        wanted, now = target.rule(kind), current.rule(kind)
        if _same(now, wanted):
            continue
        if not wanted.active:
            planner.switch_off(kind)
            continue
        if not wanted.destination:
            raise CentrexMissingDestinationError
        if kind is ForwardKind.UNCONDITIONAL:
            planner.activate(kind, wanted.destination, 0)
        else:
            delay = new_delay or current.no_answer_delay or DEFAULT_NO_ANSWER_DELAY
            planner.activate(kind, wanted.destination, delay)
    if new_delay is not None:
        planner.set_delay(new_delay)
    return planner.plan()
