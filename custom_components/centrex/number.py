"""Number entities of a line: the no-answer delay."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import DelayRange, ForwardKind, Line, with_delay
from .entity import CentrexLineEntity
from .platform import async_add_line_entities
from .runtime import CentrexConfigEntry
from .writes import LineChange, LineContext, Setter

# One change at a time per platform: the provider serialises them anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CentrexNumberEntityDescription(NumberEntityDescription):
    """A numeric setting of a line, its range and how to change it."""

    value_fn: Callable[[Line], int | None]
    range_fn: Callable[[Line], DelayRange]
    #: Checks the value against the provider's range (a translated error otherwise).
    set_fn: Setter[float]
    has_fn: Callable[[Line], bool] = lambda _: True


def _set_delay(context: LineContext, delay: float) -> LineChange:
    line = context.line
    return LineChange(forwarding=with_delay(line.forwarding, line.features, delay))


def _delay_range(line: Line) -> DelayRange:
    assert line.features.no_answer_delay is not None  # noqa: S101 - guarded by has_fn
    return line.features.no_answer_delay


NUMBERS = (
    CentrexNumberEntityDescription(
        key="no_answer_delay",
        translation_key="no_answer_delay",
        entity_category=EntityCategory.CONFIG,
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        mode=NumberMode.BOX,
        value_fn=lambda line: line.forwarding.no_answer_delay,
        range_fn=_delay_range,
        set_fn=_set_delay,
        has_fn=lambda line: (
            ForwardKind.NO_ANSWER in line.features.forward_kinds
            and line.features.no_answer_delay is not None
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the number entities of every line, now and as lines appear."""
    await async_add_line_entities(entry, async_add_entities, NUMBERS, CentrexNumberEntity)


class CentrexNumberEntity(CentrexLineEntity, NumberEntity):
    """A numeric setting of a line, limited to what its provider accepts."""

    entity_description: CentrexNumberEntityDescription

    @property
    def native_value(self) -> int | None:
        """The current value."""
        return self.entity_description.value_fn(self.line)

    @property
    def native_min_value(self) -> float:
        """The smallest value the provider accepts."""
        return self.entity_description.range_fn(self.line).minimum

    @property
    def native_max_value(self) -> float:
        """The largest value the provider accepts."""
        return self.entity_description.range_fn(self.line).maximum

    @property
    def native_step(self) -> float:
        """The provider's step."""
        return self.entity_description.range_fn(self.line).step

    async def async_set_native_value(self, value: float) -> None:
        """Send the new value and check it was applied."""
        description = self.entity_description
        await self.async_write(
            lambda context: description.set_fn(context, value),
            lambda context: description.value_fn(context.line) == value,
        )
