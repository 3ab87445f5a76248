"""Switches of a line: forwarding on/off, forwarding when unreachable, do-not-disturb, options."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
from .coordinator import CentrexConfigEntry, CentrexCoordinator
from .destinations import next_destination
from .entity import CentrexLineEntity
from .helpers import centrex_exception_handler
from .platform import async_add_line_entities

# One change at a time per platform: the provider serialises them anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CentrexSwitchEntityDescription(SwitchEntityDescription):
    """A line on/off setting and how to change it."""

    is_on_fn: Callable[[Line], bool]
    set_fn: Callable[[CentrexCoordinator, Line, bool], Awaitable[None]]
    has_fn: Callable[[Line], bool] = lambda _: True


async def _set_forwarding(coordinator: CentrexCoordinator, line: Line, on: bool) -> None:  # noqa: FBT001
    """Switch forwarding off, or back on in the line's last mode."""
    mode = coordinator.resume_mode(line) if on else ForwardingMode.OFF
    forwarding = with_mode(line.forwarding, mode, next_destination(coordinator, line))
    await coordinator.provider.async_set_forwarding(line.id, forwarding)


async def _set_unreachable(coordinator: CentrexCoordinator, line: Line, on: bool) -> None:  # noqa: FBT001
    """Forward when the line's phone is offline, to its own or the current destination."""
    rule = line.forwarding.rule(ForwardKind.UNREACHABLE)
    destination = rule.destination or next_destination(coordinator, line)
    if on and not destination:
        raise CentrexMissingDestinationError
    forwarding = line.forwarding.with_rule(
        ForwardKind.UNREACHABLE, replace(rule, active=on, destination=destination)
    )
    await coordinator.provider.async_set_forwarding(line.id, forwarding)


def _set_do_not_disturb(
    coordinator: CentrexCoordinator,
    line: Line,
    on: bool,  # noqa: FBT001
) -> Awaitable[None]:
    return coordinator.provider.async_set_do_not_disturb(line.id, on)


def _option_switch(option: LineOption) -> CentrexSwitchEntityDescription:
    """Describe the switch of one of a line's options (anonymous calls, hiding our number)."""

    def set_option(coordinator: CentrexCoordinator, line: Line, on: bool) -> Awaitable[None]:  # noqa: FBT001
        return coordinator.provider.async_set_option(line.id, option, on)

    return CentrexSwitchEntityDescription(
        key=option.value,
        translation_key=option.value,
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda line: line.options.get(option, False),
        set_fn=set_option,
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
            lambda _, line: description.set_fn(self.coordinator, line, on),
            lambda line: description.is_on_fn(line) == on,
        )
