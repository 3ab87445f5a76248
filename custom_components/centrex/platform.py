"""Adds a platform's entities for every line, including lines that appear later."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def async_add_line_entities[DescriptionT: LineEntityDescription](
    entry: CentrexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Sequence[DescriptionT],
    entity_factory: Callable[[CentrexRuntimeData, str, DescriptionT], Entity],
) -> None:
    """Add entities for the current lines, and for new lines on each refresh."""
    runtime = entry.runtime_data
    known: set[str] = set()

    @callback
    def add_new_lines() -> None:
        lines = runtime.coordinator.data.lines
        if len(known) == len(lines) and known.issuperset(lines):
            return
        new = [line for line_id, line in lines.items() if line_id not in known]
        known.update(line.id for line in new)
        # One batch per line: Home Assistant adds each batch in its own task,
        # so hundreds of lines never hold the event loop at once.
        for line in new:
            async_add_entities(
                entity_factory(runtime, line.id, description)
                for description in descriptions
                if description.has_fn(line)
            )

    add_new_lines()
    entry.async_on_unload(runtime.coordinator.async_add_listener(add_new_lines))
