"""Polls an account's lines: fetches, translates the provider's errors, merges live call state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    Account,
    CentrexAuthenticationError,
    CentrexError,
    CentrexProvider,
    CentrexRateLimitError,
    Line,
    LineEvent,
    LineEventType,
)
from .calls import LiveCalls
from .const import DOMAIN, LOGGER, SCAN_INTERVAL
from .runtime import CentrexConfigEntry


class ChangeSource(StrEnum):
    """Who changed a line's settings."""

    HOME_ASSISTANT = "home_assistant"
    #: Something else: a star code on the phone, the provider's portal.
    EXTERNAL = "external"


#: Told about every line seen for the first time (`before` None) or changed.
type LineChangeListener = Callable[[Line | None, Line, ChangeSource], None]


def event_signal(entry_id: str, line_id: str) -> str:
    """Return the dispatcher signal carrying one line's pushed events."""
    return f"{DOMAIN}_{entry_id}_{line_id}_event"


@dataclass(frozen=True, slots=True)
class AccountData:
    """What the coordinator knows: the account and its lines by id.

    A line that did not change is the same object from one update to the
    next, so entities tell in one comparison whether theirs changed.
    """

    account: Account
    lines: dict[str, Line] = field(default_factory=dict)


class CentrexCoordinator(DataUpdateCoordinator[AccountData]):
    """Polls the provider for every line of one account."""

    config_entry: CentrexConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CentrexConfigEntry,
        provider: CentrexProvider,
        account: Account,
        calls: LiveCalls,
        on_change: LineChangeListener,
    ) -> None:
        """Set up polling of one account."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {account.id}",
            update_interval=SCAN_INTERVAL,
        )
        self.provider = provider
        self.account = account
        self.calls = calls
        self._on_change = on_change
        self.last_sync: datetime | None = None

    def _poll_interval(self) -> timedelta:
        seconds = self.provider.poll_interval(SCAN_INTERVAL.total_seconds())
        return timedelta(seconds=seconds)

    async def _async_update_data(self) -> AccountData:
        try:
            lines = await self.provider.async_get_lines()
        except CentrexAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            ) from err
        except CentrexRateLimitError as err:
            if self.data is None:
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="rate_limited",
                    retry_after=err.retry_after,
                ) from err
            # Being asked to slow down is not an outage: keep showing what we
            # know and wait as long as the provider asked before polling again.
            LOGGER.debug("Rate limited by the provider; next refresh in %ss", err.retry_after)
            self.update_interval = max(
                self._poll_interval(), timedelta(seconds=err.retry_after or 0)
            )
            return self.data
        except CentrexError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="communication_error"
            ) from err
        self.update_interval = self._poll_interval()
        self.last_sync = dt_util.utcnow()
        # Missed calls the provider's history told: news only while no live
        # event announced them (webhooks not set up, or not reaching us).
        if (polled := self.provider.take_polled_events()) and not self.calls.connected:
            self.hass.loop.call_soon(self._apply_events, polled)
        # Our own writes update the data at once, so a difference seen by
        # polling was made elsewhere (a star code, the web portal).
        return AccountData(self.account, self._merged(lines, ChangeSource.EXTERNAL))

    def _merged(self, lines: list[Line], source: ChangeSource) -> dict[str, Line]:
        """Return `lines` (as just read) with their live call state; unchanged ones as known."""
        now = dt_util.utcnow()
        known = self.data.lines if self.data is not None else {}
        merged: dict[str, Line] = {}
        for read in lines:
            line = self.calls.merge(read, now)
            assert line is not None  # noqa: S101 - only events can be stale
            before = known.get(line.id)
            if before is not None and before == line:
                line = before
            else:
                self._on_change(before, line, source)
            merged[line.id] = line
        return merged

    @callback
    def async_set_line(
        self, line: Line, source: ChangeSource = ChangeSource.HOME_ASSISTANT
    ) -> None:
        """Take in one line just read (after our own write, by default), and tell the entities."""
        lines = {**self.data.lines, **self._merged([line], source)}
        self.async_set_updated_data(AccountData(self.account, lines))

    def _apply_events(self, events: list[LineEvent]) -> None:
        for event in events:
            self.async_handle_event(event)

    @callback
    def async_handle_event(self, event: LineEvent) -> None:
        """Apply a pushed event at once: call state, registration, missed calls, event entity."""
        if self.data is None or (line := self.data.lines.get(event.line_id)) is None:
            return
        if event.type is LineEventType.SETTINGS_CHANGED:
            self.config_entry.async_create_background_task(
                self.hass, self._async_reread(line.id), f"{DOMAIN} re-read {line.id}"
            )
            return
        updated = self.calls.merge(line, dt_util.utcnow(), event)
        if updated is None:
            return
        if updated is not line:
            lines = {**self.data.lines, line.id: updated}
            self.async_set_updated_data(AccountData(self.account, lines))
        else:
            self.async_update_listeners()  # the missed-call count may have moved
        async_dispatcher_send(self.hass, event_signal(self.config_entry.entry_id, line.id), event)

    async def _async_reread(self, line_id: str) -> None:
        """Re-read a line whose settings changed elsewhere, and tell the entities."""
        try:
            line = await self.provider.async_get_line(line_id)
        except CentrexError as err:
            LOGGER.debug("Could not re-read line %s after a change elsewhere: %s", line_id, err)
            return
        if self.data is not None and line_id in self.data.lines:
            self.async_set_line(line, ChangeSource.EXTERNAL)

    @callback
    def async_set_push_connected(self, *, connected: bool) -> None:
        """Record whether pushed events arrive, and refresh the entities that show it."""
        lines = dict(self.data.lines)
        if self.calls.set_connected(lines, dt_util.utcnow(), connected=connected):
            self.async_set_updated_data(AccountData(self.account, lines))
