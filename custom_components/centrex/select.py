"""Selects of a line: its forwarding mode, and where to forward among saved destinations.

"Forward to" offers the account's saved destinations and the account's other
lines (colleagues) by name and, when calls go somewhere else (a number that is
not saved, a sipgate group), that too: the select always shows where calls go.
"""

from __future__ import annotations

from collections.abc import Callable
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
from .destinations import destination_choices, destination_name, resolve_destination
from .entity import CentrexLineEntity
from .platform import async_add_line_entities
from .runtime import CentrexConfigEntry, CentrexRuntimeData
from .writes import LineChange, LineContext, Setter

# One change at a time per platform: the provider serialises them anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CentrexSelectEntityDescription(SelectEntityDescription):
    """A line select, the choices it offers and how to apply one."""

    options_fn: Callable[[CentrexRuntimeData, Line], list[str]]
    current_fn: Callable[[CentrexRuntimeData, Line], str | None]
    #: Gets the chosen option, or the destination it names when `destination`.
    set_fn: Setter[str]
    #: The options name destinations (saved ones, colleagues' lines).
    destination: bool = False
    has_fn: Callable[[Line], bool] = lambda _: True


def _apply_mode(context: LineContext, option: str) -> LineChange:
    line = context.line
    mode = ForwardingMode(option)
    return LineChange(forwarding=with_mode(line.forwarding, mode, context.next_destination))


def _mode_option(_runtime: CentrexRuntimeData, line: Line) -> str | None:
    mode = current_mode(line.forwarding)
    return mode.value if mode else None


def _forward_to_option(runtime: CentrexRuntimeData, line: Line) -> str | None:
    return destination_name(runtime, runtime.memory.next_destination(line))


def _forward_to(context: LineContext, destination: str) -> LineChange:
    """Send calls to a saved destination or a colleague; with forwarding off, switch it on."""
    line = context.line
    if (current_mode(line.forwarding) or ForwardingMode.OFF) is ForwardingMode.OFF:
        forwarding = with_mode(line.forwarding, context.resume_mode, destination)
    else:
        forwarding = with_destination(line.forwarding, destination, line.features)
    return LineChange(forwarding=forwarding)


def _has_modes(line: Line) -> bool:
    return len(available_modes(line.features)) > 1


SELECTS = (
    CentrexSelectEntityDescription(
        key="forwarding_mode",
        translation_key="forwarding_mode",
        options_fn=lambda _, line: [mode.value for mode in available_modes(line.features)],
        current_fn=_mode_option,
        set_fn=_apply_mode,
        has_fn=_has_modes,
    ),
    CentrexSelectEntityDescription(
        key="forward_to",
        translation_key="forward_to",
        options_fn=destination_choices,
        current_fn=_forward_to_option,
        set_fn=_forward_to,
        destination=True,
        has_fn=_has_modes,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the selects of every line, now and as lines appear."""
    await async_add_line_entities(entry, async_add_entities, SELECTS, CentrexSelectEntity)


class CentrexSelectEntity(CentrexLineEntity, SelectEntity):
    """A choice among a line's settings."""

    entity_description: CentrexSelectEntityDescription

    @property
    def options(self) -> list[str]:
        """The choices the line's provider (and the account's options) offer."""
        return self.entity_description.options_fn(self.runtime, self.line)

    @property
    def current_option(self) -> str | None:
        """The line's current choice."""
        return self.entity_description.current_fn(self.runtime, self.line)

    async def async_select_option(self, option: str) -> None:
        """Apply a choice on the provider and check it was applied."""
        description = self.entity_description
        value = option
        if description.destination:
            value = resolve_destination(self.hass, self.runtime, option, self.line)
        await self.async_write(
            lambda context: description.set_fn(context, value),
            lambda context: description.current_fn(self.runtime, context.line) == option,
        )
