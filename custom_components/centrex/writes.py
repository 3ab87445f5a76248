"""The one write path: every change of a line, from an entity, an action or a timed restore.

A change is built from plain data about the line (`LineContext`) as it is
when the write starts (writes to one line run one after the other), sent,
and confirmed on the line read back from the provider.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .api import (
    CentrexError,
    CentrexLineNotFoundError,
    CentrexProvider,
    Forwarding,
    ForwardingMode,
    Line,
    LineOption,
)
from .const import DOMAIN
from .coordinator import CentrexCoordinator
from .errors import translate_errors
from .runtime import CentrexConfigEntry
from .storage import LineMemory


@dataclass(frozen=True, slots=True)
class LineContext:
    """What a setter may need to know about a line, as plain data."""

    line: Line
    #: Where forwarding goes when it is (re)started.
    next_destination: str | None
    #: The mode forwarding comes back in when switched on.
    resume_mode: ForwardingMode


@dataclass(frozen=True, slots=True)
class LineChange:
    """One change of a line: what to send to the provider, or to keep here."""

    forwarding: Forwarding | None = None
    do_not_disturb: bool | None = None
    option: tuple[LineOption, bool] | None = None
    #: Where calls should go once forwarding comes on (kept here, nothing sent).
    pending_destination: str | None = None

    @property
    def sends(self) -> bool:
        """Whether the provider is asked for anything (else only our memory changes)."""
        return (self.forwarding, self.do_not_disturb, self.option) != (None, None, None)


#: Builds the change for a value (a switch's on/off, a delay, a destination).
type Setter[ValueT] = Callable[[LineContext, ValueT], LineChange]


class LineWriter:
    """Sends an account's changes, one at a time per line, and confirms them."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CentrexConfigEntry,
        provider: CentrexProvider,
        coordinator: CentrexCoordinator,
        memory: LineMemory,
    ) -> None:
        """Write to one account."""
        self.hass = hass
        self.entry = entry
        self.provider = provider
        self.coordinator = coordinator
        self.memory = memory
        self._locks: dict[str, asyncio.Lock] = {}

    def context(self, line: Line) -> LineContext:
        """Return what setters know about a line."""
        return LineContext(line, self.memory.next_destination(line), self.memory.resume_mode(line))

    @translate_errors
    async def async_write(
        self,
        line_id: str,
        build: Callable[[LineContext], LineChange],
        applied: Callable[[LineContext], bool],
    ) -> Line:
        """Build a change from the line as it is now, send it, and check it on the read-back.

        Raises translated errors only: the provider's, ours before sending,
        and `not_applied` when the line read back does not show the change.
        """
        lock = self._locks.setdefault(line_id, asyncio.Lock())
        async with lock:
            line = self.coordinator.data.lines.get(line_id)
            if line is None:
                # The provider's own answer for a line it no longer has.
                raise CentrexLineNotFoundError("unknown line", field="line")
            change = build(self.context(line))
            if change.pending_destination is not None:
                self.memory.pending_destinations[line_id] = change.pending_destination
                self.memory.save()
                self.coordinator.async_update_listeners()
            try:
                await self._send(line_id, change)
            except CentrexError:
                # A failed write may still have changed something: show what
                # the provider really holds, then report the failure.
                with contextlib.suppress(CentrexError):
                    self.coordinator.async_set_line(await self.provider.async_get_line(line_id))
                raise
            if change.sends:
                self.coordinator.async_set_line(await self.provider.async_get_line(line_id))
        line = self.coordinator.data.lines[line_id]
        if not applied(self.context(line)):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="not_applied",
                translation_placeholders={"line": line.name},
            )
        return line

    async def _send(self, line_id: str, change: LineChange) -> None:
        if change.forwarding is not None:
            await self.provider.async_set_forwarding(line_id, change.forwarding)
        if change.do_not_disturb is not None:
            await self.provider.async_set_do_not_disturb(line_id, change.do_not_disturb)
        if change.option is not None:
            await self.provider.async_set_option(line_id, *change.option)
