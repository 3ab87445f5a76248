"""Adds a platform's entities for every line, including lines that appear later."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Line
from .runtime import CentrexConfigEntry, CentrexRuntimeData


class LineEntityDescription(Protocol):
    """What the platforms' entity descriptions have in common."""

    @property
    def key(self) -> str:
        """The entity's key, unique within its line."""

    @property
    def has_fn(self) -> Callable[[Line], bool]:
        """Whether a line gets this entity (what its provider supports)."""


#: Lines whose entities a platform adds between two yields to the event loop:
#: adding an entity never waits, so hundreds of lines at once would hold the loop.
LINES_PER_BATCH = 5


async def async_add_line_entities[DescriptionT: LineEntityDescription](
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Sequence[DescriptionT],
    entity_factory: Callable[[CentrexRuntimeData, Line, DescriptionT], Entity],
) -> None:
    """Add entities for the current lines, and for new lines on each refresh."""
    runtime = entry.runtime_data
    known: set[str] = set()

    def entities(lines: Iterable[Line]) -> list[Entity]:
        known.update(line.id for line in lines)
        return [
            entity_factory(runtime, line, description)
            for line in lines
            for description in descriptions
            if description.has_fn(line)
        ]

    current = list(runtime.coordinator.data.lines.values())
    for start in range(0, len(current), LINES_PER_BATCH):
        async with runtime.entity_adding:
            async_add_entities(entities(current[start : start + LINES_PER_BATCH]))
            # Keep the turn for one loop iteration: the platforms add their
            # entities at the same time, and their batches must not add up.
            await asyncio.sleep(0)

    @callback
    def add_new_lines() -> None:
        lines = runtime.coordinator.data.lines
        if len(known) >= len(lines) and known.issuperset(lines):
            return
        async_add_entities(entities([line for line in lines.values() if line.id not in known]))

    entry.async_on_unload(runtime.coordinator.async_add_listener(add_new_lines))
