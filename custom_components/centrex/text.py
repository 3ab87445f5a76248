"""Text entities of a line: where its calls are forwarded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.text import TextEntity, TextEntityDescription, TextMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    CentrexProvider,
    Line,
    available_modes,
    current_destination,
    to_e164,
    with_destination,
)
from .coordinator import CentrexConfigEntry
from .entity import CentrexLineEntity
from .helpers import centrex_exception_handler
from .platform import async_add_line_entities

# One change at a time per platform: the provider serialises them anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CentrexTextEntityDescription(TextEntityDescription):
    """A line phone-number setting and how to change it."""

    value_fn: Callable[[Line], str | None]
    set_fn: Callable[[CentrexProvider, Line, str], Awaitable[None]]
    has_fn: Callable[[Line], bool] = lambda _: True


async def _set_destination(provider: CentrexProvider, line: Line, number: str) -> None:
    forwarding = with_destination(line.forwarding, number, line.features)
    await provider.async_set_forwarding(line.id, forwarding)


TEXTS = (
    CentrexTextEntityDescription(
        key="forwarding_destination",
        translation_key="forwarding_destination",
        mode=TextMode.TEXT,
        value_fn=lambda line: current_destination(line.forwarding),
        set_fn=_set_destination,
        has_fn=lambda line: len(available_modes(line.features)) > 1,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the text entities of every line, now and as lines appear."""
    async_add_line_entities(entry, async_add_entities, TEXTS, CentrexTextEntity)


class CentrexTextEntity(CentrexLineEntity, TextEntity):
    """A phone number of a line, typed as people write them."""

    entity_description: CentrexTextEntityDescription

    @property
    def native_value(self) -> str | None:
        """The number, in E.164."""
        return self.entity_description.value_fn(self.line)

    @centrex_exception_handler
    async def async_set_value(self, value: str) -> None:
        """Check the number, send it in E.164 and check it was applied.

        National forms ("06 12 34 56 78") are read in the home's country.
        """
        number = to_e164(value.strip(), self.hass.config.country)
        description = self.entity_description
        await self.async_write(
            lambda provider, line: description.set_fn(provider, line, number),
            lambda line: description.value_fn(line) == number,
        )
