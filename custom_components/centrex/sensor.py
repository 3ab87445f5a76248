"""Sensors: what each line is doing, and how the account's connection is doing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import CallState, Line
from .entity import CentrexAccountEntity, CentrexLineEntity
from .platform import async_add_line_entities
from .runtime import CentrexConfigEntry, CentrexRuntimeData

# Coordinator is used to centralise the data updates.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CentrexSensorEntityDescription(SensorEntityDescription):
    """A line sensor and how to read it."""

    value_fn: Callable[[CentrexRuntimeData, Line], str | int | None]
    has_fn: Callable[[Line], bool] = lambda _: True


SENSORS = (
    CentrexSensorEntityDescription(
        key="call_state",
        translation_key="call_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in CallState],
        value_fn=lambda _, line: line.call_state.value if line.call_state else None,
    ),
    CentrexSensorEntityDescription(
        key="missed_calls",
        translation_key="missed_calls",
        state_class=SensorStateClass.TOTAL,
        value_fn=lambda runtime, line: runtime.memory.missed.get(line.id, 0),
    ),
    CentrexSensorEntityDescription(
        key="new_voicemails",
        translation_key="new_voicemails",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda _, line: line.new_voicemails,
        has_fn=lambda line: line.features.voicemail_messages,
    ),
)


@dataclass(frozen=True, kw_only=True)
class CentrexAccountSensorEntityDescription(SensorEntityDescription):
    """An account sensor and how to read it."""

    value_fn: Callable[[CentrexRuntimeData], datetime | float | None]
    has_fn: Callable[[CentrexRuntimeData], bool] = lambda _: True


def _budget_used(runtime: CentrexRuntimeData) -> float | None:
    budget = runtime.provider.request_budget()
    return round(100 * budget[0] / budget[1], 1) if budget else None


ACCOUNT_SENSORS = (
    CentrexAccountSensorEntityDescription(
        key="last_sync",
        translation_key="last_sync",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        # Its value is the time of every poll: enabled, it writes a state every
        # 30 s forever, where every other entity writes only when something changed.
        entity_registry_enabled_default=False,
        value_fn=lambda runtime: runtime.coordinator.last_sync,
    ),
    CentrexAccountSensorEntityDescription(
        key="request_budget",
        translation_key="request_budget",
        entity_category=EntityCategory.DIAGNOSTIC,
        # Moves with every poll and only matters when diagnosing OVH's fair use.
        entity_registry_enabled_default=False,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_budget_used,
        has_fn=lambda runtime: runtime.provider.request_budget() is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's sensors, and those of every line, now and as lines appear."""
    runtime = entry.runtime_data
    async_add_entities(
        CentrexAccountSensorEntity(runtime, description)
        for description in ACCOUNT_SENSORS
        if description.has_fn(runtime)
    )
    await async_add_line_entities(entry, async_add_entities, SENSORS, CentrexSensorEntity)


class CentrexSensorEntity(CentrexLineEntity, SensorEntity):
    """A sensor reading one value of a line."""

    entity_description: CentrexSensorEntityDescription

    @property
    def native_value(self) -> str | int | None:
        """The line's current value."""
        return self.entity_description.value_fn(self.runtime, self.line)


class CentrexAccountSensorEntity(CentrexAccountEntity, SensorEntity):
    """A sensor about the account's connection."""

    entity_description: CentrexAccountSensorEntityDescription

    @property
    def native_value(self) -> datetime | float | None:
        """The current value."""
        return self.entity_description.value_fn(self.runtime)
