"""Switches of a line: forwarding on/off, forwarding when unreachable, do-not-disturb, options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    CentrexMissingDestinationError,
    ForwardingMode,
    ForwardKind,
    Line,
    LineOption,
    available_modes,
    current_mode,
    with_mode,
)
from .entity import CentrexLineEntity
from .platform import async_add_line_entities
from .runtime import CentrexConfigEntry
from .writes import LineChange, LineContext, Setter

# One change at a time per platform: the provider serialises them anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CentrexSwitchEntityDescription(SwitchEntityDescription):
    """A line on/off setting and how to change it."""

    is_on_fn: Callable[[Line], bool]
    set_fn: Setter[bool]
    has_fn: Callable[[Line], bool] = lambda _: True


def _set_forwarding(context: LineContext, on: bool) -> LineChange:  # noqa: FBT001
    """Switch forwarding off, or back on in the line's last mode."""
    mode = context.resume_mode if on else ForwardingMode.OFF
    forwarding = with_mode(context.line.forwarding, mode, context.next_destination)
    return LineChange(forwarding=forwarding)


def _set_unreachable(context: LineContext, on: bool) -> LineChange:  # noqa: FBT001
    """Forward when the line's phone is offline, to its own or the current destination."""
    forwarding = context.line.forwarding
    rule = forwarding.rule(ForwardKind.UNREACHABLE)
    destination = rule.destination or context.next_destination
    if on and not destination:
        raise CentrexMissingDestinationError
    changed = replace(rule, active=on, destination=destination)
    return LineChange(forwarding=forwarding.with_rule(ForwardKind.UNREACHABLE, changed))


def _set_do_not_disturb(_context: LineContext, on: bool) -> LineChange:  # noqa: FBT001
    return LineChange(do_not_disturb=on)


def _option_switch(option: LineOption) -> CentrexSwitchEntityDescription:
    """Describe the switch of one of a line's options (anonymous calls, hiding our number)."""
    return CentrexSwitchEntityDescription(
        key=option.value,
        translation_key=option.value,
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda line: line.options.get(option, False),
        set_fn=lambda _context, on: LineChange(option=(option, on)),
        has_fn=lambda line: option in line.features.options,
    )


SWITCHES = (
    # No entity category: voice assistants see it ("turn off forwarding on reception").
    CentrexSwitchEntityDescription(
        key="call_forwarding",
        translation_key="call_forwarding",
        is_on_fn=lambda line: current_mode(line.forwarding) not in {None, ForwardingMode.OFF},
        set_fn=_set_forwarding,
        has_fn=lambda line: len(available_modes(line.features)) > 1,
    ),
    CentrexSwitchEntityDescription(
        key="forward_when_unreachable",
        translation_key="forward_when_unreachable",
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda line: line.forwarding.is_active(ForwardKind.UNREACHABLE),
        set_fn=_set_unreachable,
        has_fn=lambda line: ForwardKind.UNREACHABLE in line.features.forward_kinds,
    ),
    CentrexSwitchEntityDescription(
        key="do_not_disturb",
        translation_key="do_not_disturb",
        is_on_fn=lambda line: line.do_not_disturb,
        set_fn=_set_do_not_disturb,
        has_fn=lambda line: line.features.do_not_disturb,
    ),
    *(_option_switch(option) for option in LineOption),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of every line, now and as lines appear."""
    await async_add_line_entities(entry, async_add_entities, SWITCHES, CentrexSwitchEntity)


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

    async def _async_set(self, *, on: bool) -> None:
        description = self.entity_description
        await self.async_write(
            lambda context: description.set_fn(context, on),
            lambda context: description.is_on_fn(context.line) == on,
        )
