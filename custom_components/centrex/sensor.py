"""Sensors of a line: what it is doing right now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import CallState, Line
from .coordinator import CentrexConfigEntry
from .entity import CentrexLineEntity
from .platform import async_add_line_entities

# Coordinator is used to centralise the data updates.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CentrexSensorEntityDescription(SensorEntityDescription):
    """A line sensor and how to read it."""

    value_fn: Callable[[Line], str | None]
    has_fn: Callable[[Line], bool] = lambda _: True


SENSORS = (
    CentrexSensorEntityDescription(
        key="call_state",
        translation_key="call_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in CallState],
        value_fn=lambda line: line.call_state.value if line.call_state else None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every line, now and as lines appear."""
    async_add_line_entities(entry, async_add_entities, SENSORS, CentrexSensorEntity)


class CentrexSensorEntity(CentrexLineEntity, SensorEntity):
    """A sensor reading one value of a line."""

    entity_description: CentrexSensorEntityDescription

    @property
    def native_value(self) -> str | None:
        """The line's current value."""
        return self.entity_description.value_fn(self.line)
