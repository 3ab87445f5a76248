"""Event entities of a line: incoming, answered, missed, forwarded and ended calls, as pushed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Line, LineEvent, LineEventType
from .coordinator import event_signal
from .entity import CentrexLineEntity
from .platform import async_add_line_entities
from .runtime import CentrexConfigEntry

# Events are pushed; nothing is polled by this platform.
PARALLEL_UPDATES = 0

CALL_EVENT_TYPES = [
    LineEventType.INCOMING.value,
    LineEventType.ANSWERED.value,
    LineEventType.MISSED.value,
    LineEventType.FORWARDED.value,
    LineEventType.ENDED.value,
]


@dataclass(frozen=True, kw_only=True)
class CentrexEventEntityDescription(EventEntityDescription):
    """The calls of a line."""

    has_fn: Callable[[Line], bool] = lambda _: True


EVENTS = (
    CentrexEventEntityDescription(
        key="calls",
        translation_key="calls",
        event_types=CALL_EVENT_TYPES,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the call events of every line whose provider pushes events."""
    if entry.runtime_data.provider.push is None:
        return
    await async_add_line_entities(entry, async_add_entities, EVENTS, CentrexCallEventEntity)


class CentrexCallEventEntity(CentrexLineEntity, EventEntity):
    """Fires for each call on the line; usable directly as an automation trigger."""

    async def async_added_to_hass(self) -> None:
        """Listen to the line's pushed events while the entity exists."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                event_signal(self.coordinator.config_entry.entry_id, self.line_id),
                self._async_handle_event,
            )
        )

    @callback
    def _async_handle_event(self, event: LineEvent) -> None:
        if event.type.value not in CALL_EVENT_TYPES:
            return
        self._trigger_event(
            event.type.value,
            {
                "caller": event.caller,
                "caller_name": event.caller_name,
                "call_id": event.call_id,
                "original_call_id": event.original_call_id,
            },
        )
        self.async_write_ha_state()
