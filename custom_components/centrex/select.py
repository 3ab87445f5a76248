"""Selects of a line: its forwarding mode, and where to forward among saved destinations.

"Forward to" offers the account's saved destinations and the account's other
lines (colleagues) by name and, when calls go somewhere else (a number that is
not saved, a sipgate group), that too: the select always shows where calls go.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    ForwardingMode,
    Line,
    available_modes,
    current_mode,
    with_destination,
    with_mode,
)
from .coordinator import CentrexConfigEntry, CentrexCoordinator
from .destinations import (
    destination_choices,
    destination_name,
    next_destination,
    resolve_destination,
)
from .entity import CentrexLineEntity
from .helpers import centrex_exception_handler
from .platform import async_add_line_entities

# One change at a time per platform: the provider serialises them anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CentrexSelectEntityDescription(SelectEntityDescription):
    """A line select, the choices it offers and how to apply one."""

    options_fn: Callable[[CentrexCoordinator, Line], list[str]]
    current_fn: Callable[[CentrexCoordinator, Line], str | None]
    select_fn: Callable[[CentrexCoordinator, Line, str], Awaitable[None]]
    has_fn: Callable[[Line], bool] = lambda _: True


async def _apply_mode(coordinator: CentrexCoordinator, line: Line, option: str) -> None:
    forwarding = with_mode(
        line.forwarding, ForwardingMode(option), next_destination(coordinator, line)
    )
    await coordinator.provider.async_set_forwarding(line.id, forwarding)


def _mode_option(_coordinator: CentrexCoordinator, line: Line) -> str | None:
    mode = current_mode(line.forwarding)
    return mode.value if mode else None


def _forward_to_option(coordinator: CentrexCoordinator, line: Line) -> str | None:
    return destination_name(coordinator, next_destination(coordinator, line))


async def _forward_to(coordinator: CentrexCoordinator, line: Line, option: str) -> None:
    """Send calls to a saved destination or a colleague; with forwarding off, switch it on."""
    destination = resolve_destination(coordinator.hass, coordinator, option, line)
    mode = current_mode(line.forwarding) or ForwardingMode.OFF
    if mode is ForwardingMode.OFF:
        forwarding = with_mode(line.forwarding, coordinator.resume_mode(line), destination)
    else:
        forwarding = with_destination(line.forwarding, destination, line.features)
    await coordinator.provider.async_set_forwarding(line.id, forwarding)


def _has_modes(line: Line) -> bool:
    return len(available_modes(line.features)) > 1


SELECTS = (
    CentrexSelectEntityDescription(
        key="forwarding_mode",
        translation_key="forwarding_mode",
        options_fn=lambda _, line: [mode.value for mode in available_modes(line.features)],
        current_fn=_mode_option,
        select_fn=_apply_mode,
        has_fn=_has_modes,
    ),
    CentrexSelectEntityDescription(
        key="forward_to",
        translation_key="forward_to",
        options_fn=destination_choices,
        current_fn=_forward_to_option,
        select_fn=_forward_to,
        has_fn=_has_modes,
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
        """The choices the line's provider (and the account's options) offer."""
        return self.entity_description.options_fn(self.coordinator, self.line)

    @property
    def current_option(self) -> str | None:
        """The line's current choice."""
        return self.entity_description.current_fn(self.coordinator, self.line)

    @centrex_exception_handler
    async def async_select_option(self, option: str) -> None:
        """Apply a choice on the provider and check it was applied."""
        description = self.entity_description
        await self.async_write(
            lambda _, line: description.select_fn(self.coordinator, line, option),
            lambda line: description.current_fn(self.coordinator, line) == option,
        )
