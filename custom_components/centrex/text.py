"""Text entities of a line: where its calls are forwarded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.text import TextEntity, TextEntityDescription, TextMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    VOICEMAIL,
    ForwardingMode,
    Line,
    available_modes,
    current_mode,
    with_destination,
)
from .destinations import destination_name, resolve_destination
from .entity import CentrexLineEntity
from .platform import async_add_line_entities
from .runtime import CentrexConfigEntry, CentrexRuntimeData
from .writes import LineChange, LineContext, Setter

# One change at a time per platform: the provider serialises them anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CentrexTextEntityDescription(TextEntityDescription):
    """A line destination setting and how to change it."""

    value_fn: Callable[[CentrexRuntimeData, Line], str | None]
    set_fn: Setter[str]
    has_fn: Callable[[Line], bool] = lambda _: True


def _destination(runtime: CentrexRuntimeData, line: Line) -> str | None:
    """Where calls go (or will go): a number in E.164, or the name of a line or group."""
    destination = runtime.memory.next_destination(line)
    if destination is None or destination.startswith("+") or destination == VOICEMAIL:
        return destination
    return destination_name(runtime, destination)


def _set_destination(context: LineContext, destination: str) -> LineChange:
    """Send calls there now; with forwarding off, keep it for when forwarding comes on.

    The provider's inactive entries are not rewritten: what a user types while
    forwarding is off is ours to remember.
    """
    line = context.line
    if (current_mode(line.forwarding) or ForwardingMode.OFF) is ForwardingMode.OFF:
        return LineChange(pending_destination=destination)
    return LineChange(forwarding=with_destination(line.forwarding, destination, line.features))


TEXTS = (
    CentrexTextEntityDescription(
        key="forwarding_destination",
        translation_key="forwarding_destination",
        mode=TextMode.TEXT,
        value_fn=_destination,
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
    await async_add_line_entities(entry, async_add_entities, TEXTS, CentrexTextEntity)


class CentrexTextEntity(CentrexLineEntity, TextEntity):
    """Where a line's calls are forwarded, typed as people write it."""

    entity_description: CentrexTextEntityDescription

    @property
    def native_value(self) -> str | None:
        """A number in E.164, "voicemail", or a line's or group's name."""
        return self.entity_description.value_fn(self.runtime, self.line)

    async def async_set_value(self, value: str) -> None:
        """Check the destination, send it and check it was applied.

        National forms ("06 12 34 56 78") are read in the home's country; a
        saved destination's or a colleague's line's name works too.
        """
        destination = resolve_destination(self.hass, self.runtime, value, self.line, as_number=True)
        description = self.entity_description
        await self.async_write(
            lambda context: description.set_fn(context, destination),
            lambda context: context.next_destination == destination,
        )
