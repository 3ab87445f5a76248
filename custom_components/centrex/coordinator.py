"""Keeps the account's lines fresh and serialises writes per line."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    Account,
    CallState,
    CentrexAuthenticationError,
    CentrexError,
    CentrexProvider,
    CentrexRateLimitError,
    ForwardingMode,
    ForwardKind,
    Line,
    LineEvent,
    LineEventType,
    available_modes,
    current_destination,
    current_mode,
)
from .calls import CallTracker
from .const import CONF_DESTINATIONS, DOMAIN, EVENT_FORWARDING_CHANGED, LOGGER, SCAN_INTERVAL
from .storage import LineMemory

if TYPE_CHECKING:
    from .restore import Restorer

#: How long before credentials expire the user is told, and how often we look.
CREDENTIALS_WARNING = timedelta(days=14)
CREDENTIALS_CHECK = timedelta(days=1)

type CentrexConfigEntry = ConfigEntry[CentrexCoordinator]


def saved_destinations(entry: CentrexConfigEntry) -> dict[str, str]:
    """Return the account's saved destinations (options), number by name."""
    return {str(d["name"]): str(d["number"]) for d in entry.options.get(CONF_DESTINATIONS, [])}


def event_signal(entry_id: str, line_id: str) -> str:
    """Return the dispatcher signal carrying one line's pushed events."""
    return f"{DOMAIN}_{entry_id}_{line_id}_event"


@dataclass(frozen=True, slots=True)
class AccountData:
    """What the coordinator knows: the account and its lines by id."""

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
        account_device_id: str,
        memory: LineMemory,
    ) -> None:
        """Set up polling of one account."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {account.id}",
            update_interval=SCAN_INTERVAL,
            # A poll that changes nothing rewrites no entity state (hundreds on
            # large accounts); sync listeners still hear about every poll.
            always_update=False,
        )
        self.provider = provider
        self.account = account
        self.account_device_id = account_device_id
        self.memory = memory
        self.last_sync: datetime | None = None
        self.restorer: Restorer | None = None  # set once the coordinator exists
        self._credentials_checked: datetime | None = None
        self.calls: dict[str, CallTracker] = {}
        #: Whether pushed events currently arrive (None: the provider has no push).
        self.push_connected: bool | None = None if provider.push is None else False
        #: Established calls that polling saw but no webhook announced.
        self.unannounced_calls = 0
        #: Whether the provider's own webhook setting could be read (then it,
        #: not the unannounced calls, tells whether webhooks reach us).
        self.webhook_target_known = False
        #: What polling last reported about calls, per line (None: cannot tell).
        self._polled_calls: dict[str, CallState | None] = {}
        #: Called after every successful poll, changed or not (the last-sync sensor).
        self.sync_listeners: list[Callable[[], None]] = []
        self._device_line_ids: frozenset[str] | None = None
        self._line_locks: dict[str, asyncio.Lock] = {}

    async def _async_check_credentials(self) -> None:
        """Warn (a repair issue) when the credentials expire soon; at most once a day."""
        now = dt_util.utcnow()
        if self._credentials_checked and now - self._credentials_checked < CREDENTIALS_CHECK:
            return
        self._credentials_checked = now
        issue_id = f"credentials_expiring_{self.config_entry.entry_id}"
        expiry = await self.provider.async_get_credentials_expiry()
        if expiry is None or expiry - now > CREDENTIALS_WARNING:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="credentials_expiring",
            translation_placeholders={
                "account": self.account.name,
                "date": dt_util.as_local(expiry).strftime("%Y-%m-%d %H:%M"),
            },
        )

    async def _async_update_data(self) -> AccountData:
        try:
            await self._async_check_credentials()
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
            self.update_interval = max(SCAN_INTERVAL, timedelta(seconds=err.retry_after or 0))
            return self.data
        except CentrexError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="communication_error"
            ) from err
        self.update_interval = SCAN_INTERVAL
        self.last_sync = dt_util.utcnow()
        lines = [self._reconcile_calls(line) for line in lines]
        new = {line.id: line for line in lines}
        if self.data is not None:
            for line in lines:
                # Our own writes update the data at once, so a difference seen
                # by polling was made elsewhere (a star code, the web portal).
                self._announce_change(self.data.lines.get(line.id), line, source="external")
        self._remember_modes(lines)
        self.hass.loop.call_soon(self._notify_sync_listeners)
        # Missed calls the provider's history told: news only while no live
        # event announced them (webhooks not set up, or not reaching us).
        if (polled := self.provider.take_polled_events()) and not self.push_connected:
            self.hass.loop.call_soon(self._apply_polled_events, polled)
        return AccountData(self.account, new)

    def _apply_polled_events(self, events: list[LineEvent]) -> None:
        for event in events:
            self.async_handle_event(event)

    async def async_write_line(
        self, line_id: str, write: Callable[[CentrexProvider], Awaitable[None]]
    ) -> Line:
        """Apply one write to a line, then read the line back from the provider.

        Writes to the same line run one after the other, so each one starts
        from what the provider holds after the previous one.
        """
        lock = self._line_locks.setdefault(line_id, asyncio.Lock())
        async with lock:
            try:
                await write(self.provider)
            except CentrexError:
                # A failed write may still have changed something: show what
                # the provider really holds, then report the failure.
                with contextlib.suppress(CentrexError):
                    self.async_set_line(await self.provider.async_get_line(line_id))
                raise
            line = await self.provider.async_get_line(line_id)
            self.async_set_line(line)
        return line

    def _notify_sync_listeners(self) -> None:
        for listener in list(self.sync_listeners):
            listener()

    def _tracker(self, line_id: str) -> CallTracker:
        return self.calls.setdefault(line_id, CallTracker())

    def _reconcile_calls(self, line: Line) -> Line:
        """Merge the polled call state with what pushed events said."""
        now = dt_util.utcnow()
        tracker = self._tracker(line.id)
        self._polled_calls[line.id] = line.call_state
        if (
            self.provider.push == "webhook"
            and line.call_state is CallState.IN_CALL
            and not tracker.has_live_call(now)
        ):
            self.unannounced_calls += 1
        state = tracker.reconcile(line.call_state, now, push_connected=bool(self.push_connected))
        return replace(line, call_state=state)

    @callback
    def async_handle_event(self, event: LineEvent) -> None:
        """Apply a pushed event at once: call state, registration, missed calls, event entity."""
        if self.data is None or (line := self.data.lines.get(event.line_id)) is None:
            return
        now = dt_util.utcnow()
        if not self._tracker(line.id).apply(event, now):
            return
        if event.type is LineEventType.MISSED:
            self.memory.missed[line.id] = self.memory.missed.get(line.id, 0) + 1
            self.memory.save()
        registered = True if event.type is LineEventType.REGISTERED else line.registered
        updated = replace(
            line,
            registered=registered,
            call_state=self._tracker(line.id).reconcile(None, now, push_connected=True),
        )
        lines = {**self.data.lines, line.id: updated}
        self.async_set_updated_data(AccountData(self.data.account, lines))
        async_dispatcher_send(self.hass, event_signal(self.config_entry.entry_id, line.id), event)

    @callback
    def async_set_push_connected(self, *, connected: bool) -> None:
        """Record whether pushed events arrive, and refresh the entities that show it."""
        if self.push_connected == connected:
            return
        self.push_connected = connected
        # Push starts after the first refresh, so there is data. Without polled
        # call states (OVH), whether events flow decides "idle" or "unknown".
        now = dt_util.utcnow()
        lines = {
            line_id: replace(
                line,
                call_state=self._tracker(line_id).reconcile(
                    self._polled_calls.get(line_id), now, push_connected=connected
                ),
            )
            for line_id, line in self.data.lines.items()
        }
        self.async_set_updated_data(AccountData(self.data.account, lines))

    def async_set_line(self, line: Line) -> None:
        """Replace one line in the data (after our own write) and tell the entities."""
        self._announce_change(self.data.lines.get(line.id), line, source="home_assistant")
        self._remember_modes([line])
        lines = {**self.data.lines, line.id: line}
        self.async_set_updated_data(AccountData(self.data.account, lines))

    def current_identifiers(self) -> set[str]:
        """Return the device identifiers of the account and of the lines it has now."""
        return {self.account.id} | {f"{self.account.id}_{line_id}" for line_id in self.data.lines}

    def async_remove_stale_devices(self) -> None:
        """Remove the devices of lines the provider no longer lists.

        Runs on every data update (events included), so it returns at once
        unless the set of lines changed.
        """
        line_ids = frozenset(self.data.lines)
        if line_ids == self._device_line_ids:
            return
        self._device_line_ids = line_ids
        registry = dr.async_get(self.hass)
        wanted = self.current_identifiers()
        for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            ours = {identifier for domain, identifier in device.identifiers if domain == DOMAIN}
            if ours and not ours & wanted:
                registry.async_update_device(
                    device.id, remove_config_entry_id=self.config_entry.entry_id
                )

    def line_device_id(self, line_id: str) -> str | None:
        """Return the device registry id of a line."""
        device = dr.async_get(self.hass).async_get_device_by_identifier(
            (DOMAIN, f"{self.account.id}_{line_id}"), self.config_entry.entry_id
        )
        return device.id if device else None

    def _announce_change(self, before: Line | None, after: Line, *, source: str) -> None:
        if before is None or (
            before.forwarding == after.forwarding and before.do_not_disturb == after.do_not_disturb
        ):
            return
        mode = current_mode(after.forwarding)
        self.hass.bus.async_fire(
            EVENT_FORWARDING_CHANGED,
            {
                "device_id": self.line_device_id(after.id),
                "line": after.name,
                "source": source,
                "mode": mode.value if mode else None,
                "destination": current_destination(after.forwarding),
                "unreachable": after.forwarding.is_active(ForwardKind.UNREACHABLE),
                "do_not_disturb": after.do_not_disturb,
            },
        )

    def resume_mode(self, line: Line) -> ForwardingMode:
        """Return the mode forwarding comes back in: the line's last one, else the first offered."""
        modes = [m for m in available_modes(line.features) if m is not ForwardingMode.OFF]
        remembered = self.memory.last_modes.get(line.id)
        return next((mode for mode in modes if mode == remembered), modes[0])

    def _remember_modes(self, lines: list[Line]) -> None:
        changed = False
        for line in lines:
            mode = current_mode(line.forwarding)
            if mode in {None, ForwardingMode.OFF}:
                continue
            # Forwarding is on: a destination kept for "when it comes on" is spent.
            if self.memory.pending_destinations.pop(line.id, None) is not None:
                changed = True
            if self.memory.last_modes.get(line.id) != mode:
                self.memory.last_modes[line.id] = mode
                changed = True
        if changed:
            self.memory.save()
