"""Undoes timed changes ("forward for two hours") when their time comes, even after a restart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .storage import LineMemory, PendingRestore
from .writes import LineChange, LineWriter

RETRY_AFTER = timedelta(minutes=1)


class Restorer:
    """Schedules the pending restores of one account and carries them out."""

    def __init__(self, hass: HomeAssistant, writer: LineWriter, memory: LineMemory) -> None:
        """Start with nothing scheduled; `async_start` schedules what is stored."""
        self.hass = hass
        self.writer = writer
        self.memory = memory
        self._timers: dict[str, CALLBACK_TYPE] = {}

    @property
    def pending(self) -> dict[str, PendingRestore]:
        """The restores still to do, by line and setting."""
        return self.memory.restores

    @callback
    def async_start(self) -> Callable[[], None]:
        """Schedule every stored restore; return what cancels them all."""
        for restore in list(self.pending.values()):
            self._schedule(restore)
        return self._cancel_all

    @callback
    def add(self, restore: PendingRestore) -> None:
        """Remember a restore (keeping the state saved by an earlier one) and schedule it."""
        earlier = self.pending.get(restore.key)
        if earlier is not None:
            # A new timed change on top of a pending one: come back to the
            # state before the first, at the new time.
            restore.forwarding = earlier.forwarding
            restore.do_not_disturb = earlier.do_not_disturb
        self.pending[restore.key] = restore
        self.memory.save()
        self._schedule(restore)

    @callback
    def cancel(self, line_id: str, what: str) -> None:
        """Forget a restore: the user changed the setting again without a duration."""
        key = f"{line_id}/{what}"
        if self.pending.pop(key, None) is not None:
            self.memory.save()
        if timer := self._timers.pop(key, None):
            timer()

    def _schedule(self, restore: PendingRestore, at: datetime | None = None) -> None:
        if timer := self._timers.pop(restore.key, None):
            timer()
        when = max(at or restore.at, dt_util.utcnow())

        async def run(_now: datetime) -> None:
            self._timers.pop(restore.key, None)
            await self._async_run(restore)

        self._timers[restore.key] = async_track_point_in_utc_time(self.hass, run, when)

    async def _async_run(self, restore: PendingRestore) -> None:
        change = LineChange(forwarding=restore.forwarding, do_not_disturb=restore.do_not_disturb)
        try:
            await self.writer.async_write(restore.line_id, lambda _: change, lambda _: True)
        except ServiceValidationError:
            # The provider refuses the old state itself (or the line is gone):
            # retrying cannot help. Tell the user, who can set the line by hand.
            self._drop(restore)
            line = self.writer.coordinator.data.lines.get(restore.line_id)
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"restore_refused_{restore.key}",
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="restore_refused",
                translation_placeholders={
                    "line": line.name if line else restore.line_id,
                    "what": restore.what,
                },
            )
            return
        except HomeAssistantError as err:
            LOGGER.warning(
                "Could not restore %s of line %s, trying again in a minute: %s",
                restore.what,
                restore.line_id,
                err,
            )
            self._schedule(restore, dt_util.utcnow() + RETRY_AFTER)
            return
        self._drop(restore)

    def _drop(self, restore: PendingRestore) -> None:
        if self.pending.get(restore.key) is restore:
            del self.pending[restore.key]
            self.memory.save()

    @callback
    def _cancel_all(self) -> None:
        for timer in self._timers.values():
            timer()
        self._timers.clear()
