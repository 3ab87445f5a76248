"""Adds a platform's entities for every line, including lines that appear later."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Line
from .coordinator import CentrexConfigEntry, CentrexCoordinator


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
    entity_factory: Callable[[CentrexCoordinator, str, DescriptionT], Entity],
) -> None:
    """Add entities for the current lines, and for new lines on each refresh."""
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def add_new_lines() -> None:
        new = [line for line_id, line in coordinator.data.lines.items() if line_id not in known]
        if not new:
            return
        known.update(line.id for line in new)
        async_add_entities(
            entity_factory(coordinator, line.id, description)
            for line in new
            for description in descriptions
            if description.has_fn(line)
        )

    add_new_lines()
    entry.async_on_unload(coordinator.async_add_listener(add_new_lines))
