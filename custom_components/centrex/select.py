"""Selects of a line: its forwarding mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    CentrexProvider,
    ForwardingMode,
    Line,
    available_modes,
    current_destination,
    current_mode,
    with_mode,
)
from .coordinator import CentrexConfigEntry
from .entity import CentrexLineEntity
from .helpers import centrex_exception_handler
from .platform import async_add_line_entities

# One change at a time per platform: the provider serialises them anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CentrexSelectEntityDescription(SelectEntityDescription):
    """A line select, the choices it offers and how to apply one."""

    options_fn: Callable[[Line], list[str]]
    current_fn: Callable[[Line], str | None]
    select_fn: Callable[[CentrexProvider, Line, str], Awaitable[None]]
    has_fn: Callable[[Line], bool] = lambda _: True


async def _apply_mode(provider: CentrexProvider, line: Line, option: str) -> None:
    forwarding = with_mode(
        line.forwarding, ForwardingMode(option), current_destination(line.forwarding)
    )
    await provider.async_set_forwarding(line.id, forwarding)


def _mode_option(line: Line) -> str | None:
    mode = current_mode(line.forwarding)
    return mode.value if mode else None


SELECTS = (
    CentrexSelectEntityDescription(
        key="forwarding_mode",
        translation_key="forwarding_mode",
        options_fn=lambda line: [mode.value for mode in available_modes(line.features)],
        current_fn=_mode_option,
        select_fn=_apply_mode,
        has_fn=lambda line: len(available_modes(line.features)) > 1,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the selects of every line, now and as lines appear."""
    async_add_line_entities(entry, async_add_entities, SELECTS, CentrexSelectEntity)


class CentrexSelectEntity(CentrexLineEntity, SelectEntity):
    """A choice among a line's settings."""

    entity_description: CentrexSelectEntityDescription

    @property
    def options(self) -> list[str]:
        """The choices the line's provider supports."""
        return self.entity_description.options_fn(self.line)

    @property
    def current_option(self) -> str | None:
        """The line's current choice."""
        return self.entity_description.current_fn(self.line)

    @centrex_exception_handler
    async def async_select_option(self, option: str) -> None:
        """Apply a choice on the provider and check it was applied."""
        description = self.entity_description
        await self.async_write(
            lambda provider, line: description.select_fn(provider, line, option),
            lambda line: description.current_fn(line) == option,
        )
