"""Switches of a line: do-not-disturb."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import CentrexProvider, Line
from .coordinator import CentrexConfigEntry
from .entity import CentrexLineEntity
from .helpers import centrex_exception_handler
from .platform import async_add_line_entities

# One change at a time per platform: the provider serialises them anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CentrexSwitchEntityDescription(SwitchEntityDescription):
    """A line on/off setting and how to change it."""

    is_on_fn: Callable[[Line], bool]
    set_fn: Callable[[CentrexProvider, Line, bool], Awaitable[None]]
    has_fn: Callable[[Line], bool] = lambda _: True


SWITCHES = (
    CentrexSwitchEntityDescription(
        key="do_not_disturb",
        translation_key="do_not_disturb",
        is_on_fn=lambda line: line.do_not_disturb,
        set_fn=lambda provider, line, on: provider.async_set_do_not_disturb(line.id, on),
        has_fn=lambda line: line.features.do_not_disturb,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of every line, now and as lines appear."""
    async_add_line_entities(entry, async_add_entities, SWITCHES, CentrexSwitchEntity)


class CentrexSwitchEntity(CentrexLineEntity, SwitchEntity):
    """An on/off setting of a line."""

    entity_description: CentrexSwitchEntityDescription

    @property
    def is_on(self) -> bool:
        """Whether the setting is on."""
        return self.entity_description.is_on_fn(self.line)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the setting on and check it was applied."""
        await self._async_set(on=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the setting off and check it was applied."""
        await self._async_set(on=False)

    @centrex_exception_handler
    async def _async_set(self, *, on: bool) -> None:
        description = self.entity_description
        await self.async_write(
            lambda provider, line: description.set_fn(provider, line, on),
            lambda line: description.is_on_fn(line) == on,
        )
