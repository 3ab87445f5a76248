"""Base entity: one line of the account, shown as its own device."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import CentrexProvider, Line
from .const import DOMAIN
from .coordinator import CentrexCoordinator
from .helpers import async_write_checked


def line_device_info(coordinator: CentrexCoordinator, line: Line) -> DeviceInfo:
    """Describe a line as a device reached through the account's device."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{coordinator.account.id}_{line.id}")},
        name=line.name,
        manufacturer=coordinator.provider.display_name,
        model=line.device_kind.value.replace("_", " ").capitalize(),
        serial_number=line.number,
        via_device_id=coordinator.account_device_id,
    )


class CentrexLineEntity(CoordinatorEntity[CentrexCoordinator]):
    """An entity that reads its state from one line of the coordinator's data."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: CentrexCoordinator, line_id: str, description: EntityDescription
    ) -> None:
        """Attach the entity to its line's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self.line_id = line_id
        self._attr_unique_id = f"{coordinator.account.id}_{line_id}_{description.key}"
        self._attr_device_info = line_device_info(coordinator, self.line)
        self._last_seen: tuple[Line | None, int | None, str | None, bool] | None = None

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when this line (or what is counted or kept for it) changed.

        A change on one line of a large account then rewrites a dozen states,
        not thousands. Lines are immutable: an unchanged line is the same object.
        """
        coordinator = self.coordinator
        seen = (
            coordinator.data.lines.get(self.line_id),
            coordinator.memory.missed.get(self.line_id),
            coordinator.memory.pending_destinations.get(self.line_id),
            coordinator.last_update_success,
        )
        last = self._last_seen
        if last is not None and seen[0] is last[0] and seen[1:] == last[1:]:
            return
        self._last_seen = seen
        super()._handle_coordinator_update()

    @property
    def line(self) -> Line:
        """The line as last read from the provider."""
        return self.coordinator.data.lines[self.line_id]

    @property
    def available(self) -> bool:
        """Unavailable when the provider is unreachable or the line is gone."""
        return super().available and self.line_id in self.coordinator.data.lines

    async def async_write(
        self,
        write: Callable[[CentrexProvider, Line], Awaitable[None]],
        applied: Callable[[Line], bool],
    ) -> None:
        """Send a change to the provider and check, on the line read back, that it holds."""
        await async_write_checked(self.coordinator, self.line_id, write, applied)


class CentrexAccountEntity(CoordinatorEntity[CentrexCoordinator]):
    """An entity about the whole account, on the account's device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: CentrexCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the account's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.account.id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, coordinator.account.id)})

    async def async_added_to_hass(self) -> None:
        """Also refresh after polls that changed no line (the last sync moved)."""
        await super().async_added_to_hass()
        listeners = self.coordinator.sync_listeners
        listeners.append(self.async_write_ha_state)
        self.async_on_remove(lambda: listeners.remove(self.async_write_ha_state))
