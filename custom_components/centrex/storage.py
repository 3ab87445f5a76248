"""What the integration remembers across restarts, per account.

- the last forwarding mode of each line, so the forwarding switch can bring it back;
- the timed changes still to undo ("forward for two hours"), with the state to restore;
- the forwarding each line had before it was sent to its holder's mobile;
- where a line's calls should go once forwarding is switched on, when the
  user chose it while forwarding was off (never written to the provider's
  inactive entries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import (
    Forwarding,
    ForwardingMode,
    ForwardKind,
    ForwardRule,
    Line,
    available_modes,
    current_destination,
    current_mode,
)
from .const import DOMAIN

STORAGE_VERSION = 1
SAVE_DELAY = 1  # seconds; a burst of changes is written once


class _Stored(TypedDict):
    last_modes: dict[str, str]
    restores: list[dict[str, Any]]
    saved: dict[str, dict[str, Any]]
    missed: dict[str, int]
    pending_destinations: dict[str, str]


def forwarding_to_dict(forwarding: Forwarding) -> dict[str, Any]:
    """Serialise a forwarding for storage or a service response."""
    return {
        "rules": {
            kind.value: {
                "active": rule.active,
                "destination": rule.destination,
                "label": rule.label,
            }
            for kind, rule in forwarding.rules.items()
        },
        "no_answer_delay": forwarding.no_answer_delay,
    }


def forwarding_from_dict(data: dict[str, Any]) -> Forwarding:
    """Read back what `forwarding_to_dict` wrote."""
    rules = {
        ForwardKind(kind): ForwardRule(
            bool(rule["active"]), rule.get("destination"), rule.get("label")
        )
        for kind, rule in data.get("rules", {}).items()
    }
    return Forwarding(rules, no_answer_delay=data.get("no_answer_delay"))


@dataclass(slots=True)
class PendingRestore:
    """A timed change to undo: at `at`, put back forwarding or do-not-disturb."""

    line_id: str
    what: str  # "forwarding" or "do_not_disturb"
    at: datetime
    forwarding: Forwarding | None = None
    do_not_disturb: bool | None = None

    @property
    def key(self) -> str:
        """One pending restore per line and setting."""
        return f"{self.line_id}/{self.what}"

    def to_dict(self) -> dict[str, Any]:
        """Serialise for storage."""
        return {
            "line_id": self.line_id,
            "what": self.what,
            "at": self.at.isoformat(),
            "forwarding": forwarding_to_dict(self.forwarding) if self.forwarding else None,
            "do_not_disturb": self.do_not_disturb,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingRestore:
        """Read back what `to_dict` wrote."""
        at = dt_util.parse_datetime(data["at"]) or dt_util.utcnow()
        forwarding = data.get("forwarding")
        return cls(
            line_id=data["line_id"],
            what=data["what"],
            at=at,
            forwarding=forwarding_from_dict(forwarding) if forwarding else None,
            do_not_disturb=data.get("do_not_disturb"),
        )


class LineMemory:
    """The account's remembered modes and pending restores, kept in `.storage`."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare the store; `async_load` reads it."""
        self._store: Store[_Stored] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}")
        self.last_modes: dict[str, str] = {}
        self.restores: dict[str, PendingRestore] = {}
        #: Forwarding before `forward_to_mobile`, for `restore_forwarding`.
        self.saved: dict[str, Forwarding] = {}
        #: Missed calls per line since they were last marked as seen.
        self.missed: dict[str, int] = {}
        #: Destinations chosen while forwarding was off, used when it comes on.
        self.pending_destinations: dict[str, str] = {}

    def resume_mode(self, line: Line) -> ForwardingMode:
        """Return the mode forwarding comes back in: the line's last one, else the first offered."""
        modes = [m for m in available_modes(line.features) if m is not ForwardingMode.OFF]
        remembered = self.last_modes.get(line.id)
        return next((mode for mode in modes if mode == remembered), modes[0])

    def next_destination(self, line: Line) -> str | None:
        """Return where calls go when forwarding is (re)started: what was chosen last, else now."""
        return self.pending_destinations.get(line.id) or current_destination(line.forwarding)

    def remember(self, line: Line) -> None:
        """Remember the line's forwarding mode while it forwards (for switching back on)."""
        mode = current_mode(line.forwarding)
        if mode in {None, ForwardingMode.OFF}:
            return
        changed = False
        # Forwarding is on: a destination kept for "when it comes on" is spent.
        if self.pending_destinations.pop(line.id, None) is not None:
            changed = True
        if self.last_modes.get(line.id) != mode:
            self.last_modes[line.id] = str(mode)
            changed = True
        if changed:
            self.save()

    def count_missed(self, line_id: str) -> None:
        """Count one more missed call on a line."""
        self.missed[line_id] = self.missed.get(line_id, 0) + 1
        self.save()

    async def async_load(self) -> None:
        """Read what was remembered before the restart."""
        data = await self._store.async_load()
        if data is None:
            return
        self.last_modes = dict(data.get("last_modes", {}))
        self.missed = {key: int(value) for key, value in data.get("missed", {}).items()}
        self.pending_destinations = dict(data.get("pending_destinations", {}))
        self.saved = {
            line_id: forwarding_from_dict(item) for line_id, item in data.get("saved", {}).items()
        }
        for item in data.get("restores", []):
            restore = PendingRestore.from_dict(item)
            self.restores[restore.key] = restore

    def save(self) -> None:
        """Write soon (changes close together are written once)."""
        self._store.async_delay_save(self._data, SAVE_DELAY)

    async def async_save_now(self) -> None:
        """Write now (before the account is unloaded)."""
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Forget everything (the account was deleted)."""
        await self._store.async_remove()

    def _data(self) -> _Stored:
        return {
            "last_modes": self.last_modes,
            "restores": [restore.to_dict() for restore in self.restores.values()],
            "saved": {line_id: forwarding_to_dict(fw) for line_id, fw in self.saved.items()},
            "missed": dict(self.missed),
            "pending_destinations": dict(self.pending_destinations),
        }
