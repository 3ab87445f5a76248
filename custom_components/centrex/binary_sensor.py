"""Binary sensors of a line: whether its phone is registered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Line
from .entity import CentrexAccountEntity, CentrexLineEntity
from .platform import async_add_line_entities
from .runtime import CentrexConfigEntry, CentrexRuntimeData

# Coordinator is used to centralise the data updates.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CentrexBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A line binary sensor and how to read it."""

    is_on_fn: Callable[[Line], bool | None]
    has_fn: Callable[[Line], bool] = lambda _: True


BINARY_SENSORS = (
    CentrexBinarySensorEntityDescription(
        key="registration",
        translation_key="registration",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda line: line.registered,
    ),
)


@dataclass(frozen=True, kw_only=True)
class CentrexAccountBinarySensorEntityDescription(BinarySensorEntityDescription):
    """An account binary sensor and how to read it."""

    is_on_fn: Callable[[CentrexRuntimeData], bool | None]
    has_fn: Callable[[CentrexRuntimeData], bool] = lambda _: True


ACCOUNT_BINARY_SENSORS = (
    CentrexAccountBinarySensorEntityDescription(
        key="push_connected",
        translation_key="push_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda runtime: runtime.calls.connected,
        has_fn=lambda runtime: runtime.provider.push is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's binary sensors, and those of every line."""
    runtime = entry.runtime_data
    async_add_entities(
        CentrexAccountBinarySensorEntity(runtime, description)
        for description in ACCOUNT_BINARY_SENSORS
        if description.has_fn(runtime)
    )
    await async_add_line_entities(
        entry, async_add_entities, BINARY_SENSORS, CentrexBinarySensorEntity
    )


class CentrexBinarySensorEntity(CentrexLineEntity, BinarySensorEntity):
    """A binary sensor reading one flag of a line."""

    entity_description: CentrexBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The flag's current value."""
        return self.entity_description.is_on_fn(self.line)


class CentrexAccountBinarySensorEntity(CentrexAccountEntity, BinarySensorEntity):
    """A flag about the account's connection."""

    entity_description: CentrexAccountBinarySensorEntityDescription

    @property
    def available(self) -> bool:
        """Whether push works is known even while polling fails."""
        return True

    @property
    def is_on(self) -> bool | None:
        """The flag's current value."""
        return self.entity_description.is_on_fn(self.runtime)
