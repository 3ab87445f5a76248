"""Base entities: one line of the account shown as its own device, and the account itself."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import callback
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Line
from .const import LARGE_ACCOUNT_LINES
from .coordinator import CentrexCoordinator
from .devices import account_device_info, line_device_info
from .runtime import CentrexRuntimeData
from .writes import LineChange, LineContext

#: The entities of a line that start enabled on a large account: its call
#: state, and forwarding and do-not-disturb as dashboards and automations use them.
ENABLED_ON_LARGE_ACCOUNTS = frozenset(
    {"call_state", "call_forwarding", "forwarding_mode", "forwarding_destination", "do_not_disturb"}
)


class CentrexLineEntity(CoordinatorEntity[CentrexCoordinator]):
    """An entity that reads its state from one line of the coordinator's data."""

    _attr_has_entity_name = True

    def __init__(
        self, runtime: CentrexRuntimeData, line: Line, description: EntityDescription
    ) -> None:
        """Attach the entity to its line's device."""
        super().__init__(runtime.coordinator)
        self.runtime = runtime
        self.entity_description = description
        self.line_id = line.id
        #: The line as last seen: a line the provider dropped stays readable
        #: (the entity is unavailable) until its entities are removed.
        self._line = line
        self._attr_unique_id = f"{runtime.account.id}_{line.id}_{description.key}"
        self._attr_device_info = line_device_info(runtime, self._line)
        self._last_seen: tuple[Line | None, int | None, str | None, bool] | None = None
        if (
            description.key not in ENABLED_ON_LARGE_ACCOUNTS
            and len(runtime.coordinator.data.lines) > LARGE_ACCOUNT_LINES
        ):
            self._attr_entity_registry_enabled_default = False

    def _inputs(self) -> tuple[Line | None, int | None, str | None, bool]:
        """Return what the state is made of: the line, and what is counted or kept for it."""
        memory = self.runtime.memory
        return (
            self.coordinator.data.lines.get(self.line_id),
            memory.missed.get(self.line_id),
            memory.pending_destinations.get(self.line_id),
            self.coordinator.last_update_success,
        )

    async def async_added_to_hass(self) -> None:
        """Remember what the state written on adding was made of."""
        await super().async_added_to_hass()
        self._last_seen = self._inputs()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when what it is made of changed.

        The coordinator keeps an unchanged line as the same object, so when
        one line of a large account changes, only its entities write.
        """
        seen = self._inputs()
        last = self._last_seen
        if last is not None and seen[0] is last[0] and seen[1:] == last[1:]:
            return
        self._last_seen = seen
        if seen[0] is not None:
            self._line = seen[0]
        super()._handle_coordinator_update()

    @property
    def line(self) -> Line:
        """The line as last read from the provider."""
        return self.coordinator.data.lines.get(self.line_id, self._line)

    @property
    def available(self) -> bool:
        """Unavailable when the provider is unreachable or the line is gone."""
        return super().available and self.line_id in self.coordinator.data.lines

    async def async_write(
        self,
        build: Callable[[LineContext], LineChange],
        applied: Callable[[LineContext], bool],
    ) -> None:
        """Send a change through the account's write path (translated errors only)."""
        await self.runtime.writer.async_write(self.line_id, build, applied)


class CentrexAccountEntity(CoordinatorEntity[CentrexCoordinator]):
    """An entity about the whole account, on the account's device."""

    _attr_has_entity_name = True

    def __init__(self, runtime: CentrexRuntimeData, description: EntityDescription) -> None:
        """Attach the entity to the account's device."""
        super().__init__(runtime.coordinator)
        self.runtime = runtime
        self.entity_description = description
        self._attr_unique_id = f"{runtime.account.id}_{description.key}"
        self._attr_device_info = account_device_info(runtime.account)
        self._last_written: tuple[bool, object] | None = None

    async def async_added_to_hass(self) -> None:
        """Remember the state written on adding."""
        await super().async_added_to_hass()
        self._last_written = (self.available, self.state)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when it or the entity's availability changed.

        A poll that finds nothing new then writes nothing: rewriting an
        unchanged state still fires a state event and touches its record.
        """
        shown = (self.available, self.state)
        if shown == self._last_written:
            return
        self._last_written = shown
        super()._handle_coordinator_update()
