"""What follows a change of a line's settings: the change event, and what is remembered."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback

from .api import ForwardKind, Line, current_destination, current_mode
from .const import EVENT_FORWARDING_CHANGED
from .coordinator import ChangeSource
from .devices import line_device_id
from .runtime import CentrexConfigEntry
from .storage import LineMemory


class LineChanges:
    """Fires `centrex_forwarding_changed` and remembers each line's forwarding mode."""

    def __init__(self, hass: HomeAssistant, entry: CentrexConfigEntry, memory: LineMemory) -> None:
        """Follow one account's lines."""
        self.hass = hass
        self.entry = entry
        self.memory = memory

    @callback
    def __call__(self, before: Line | None, after: Line, source: ChangeSource) -> None:
        """Take in a line seen for the first time (`before` None) or changed."""
        self.memory.remember(after)
        if before is None or (
            before.forwarding == after.forwarding and before.do_not_disturb == after.do_not_disturb
        ):
            return
        mode = current_mode(after.forwarding)
        self.hass.bus.async_fire(
            EVENT_FORWARDING_CHANGED,
            {
                "device_id": line_device_id(self.hass, self.entry.runtime_data, after.id),
                "line": after.name,
                "source": source.value,
                "mode": mode.value if mode else None,
                "destination": current_destination(after.forwarding),
                "unreachable": after.forwarding.is_active(ForwardKind.UNREACHABLE),
                "do_not_disturb": after.do_not_disturb,
            },
        )
