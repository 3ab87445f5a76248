"""Actions: forwarding and do-not-disturb for many lines at once, timed changes, remote work.

Lines are targeted by their devices or entities; targeting the account device
means every line of the account. Every line is checked before anything is
sent, so a mistake never leaves some lines changed and others not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import probatio as vol
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from .api import (
    CentrexError,
    Forwarding,
    ForwardingMode,
    ForwardKind,
    Line,
    all_off,
    available_modes,
    current_destination,
    current_mode,
    is_all_off,
    with_delay,
    with_mode,
)
from .const import CONF_MOBILES, DOMAIN
from .destinations import resolve_destination
from .errors import translated_error
from .storage import PendingRestore
from .targets import TargetLine, invalid, resolve_lines
from .writes import LineChange

SERVICE_SET_FORWARDING = "set_forwarding"
SERVICE_CLEAR_FORWARDING = "clear_forwarding"
SERVICE_SET_DO_NOT_DISTURB = "set_do_not_disturb"
SERVICE_FORWARD_TO_MOBILE = "forward_to_mobile"
SERVICE_RESTORE_FORWARDING = "restore_forwarding"
SERVICE_GET_FORWARDING = "get_forwarding"
SERVICE_MARK_MISSED_CALLS_SEEN = "mark_missed_calls_seen"

ATTR_MODE = "mode"
ATTR_DESTINATION = "destination"
ATTR_DELAY = "delay"
ATTR_DURATION = "duration"
ATTR_UNTIL = "until"
ATTR_ENABLED = "enabled"

FORWARD_MODES = [mode.value for mode in ForwardingMode if mode is not ForwardingMode.OFF]
_MAX_TEXT = 100

MAX_DURATION = timedelta(days=366)


def _duration(value: Any) -> timedelta:
    """Validate a duration, refusing absurd ones (which would overflow a date)."""
    try:
        duration: timedelta = cv.positive_time_period(value)
    except (OverflowError, ValueError) as err:
        raise vol.Invalid("invalid duration") from err
    if duration > MAX_DURATION:
        raise vol.Invalid("duration longer than a year")
    return duration


_TIMING = {
    vol.Exclusive(ATTR_DURATION, "timing"): _duration,
    vol.Exclusive(ATTR_UNTIL, "timing"): cv.datetime,
}
TARGET_SCHEMA = vol.Schema(cv.TARGET_SERVICE_FIELDS)
SET_FORWARDING_SCHEMA = TARGET_SCHEMA.extend(
    {
        vol.Required(ATTR_MODE): cv.string,
        vol.Required(ATTR_DESTINATION): cv.string,
        vol.Optional(ATTR_DELAY): vol.Coerce(float),
        **_TIMING,
    }
)
SET_DO_NOT_DISTURB_SCHEMA = TARGET_SCHEMA.extend(
    {vol.Required(ATTR_ENABLED): cv.boolean, **_TIMING}
)
FORWARD_TO_MOBILE_SCHEMA = TARGET_SCHEMA.extend(
    {vol.Optional(ATTR_MODE, default=ForwardingMode.ALWAYS.value): cv.string}
)


def _mode(value: str, line: Line) -> ForwardingMode:
    if value not in FORWARD_MODES:
        raise invalid("invalid_mode", mode=value[:_MAX_TEXT])
    mode = ForwardingMode(value)
    if mode not in available_modes(line.features):
        raise invalid("mode_not_supported", mode=mode.value, line=line.name)
    return mode


def _until(call: ServiceCall) -> datetime | None:
    duration: timedelta | None = call.data.get(ATTR_DURATION)
    if duration is not None:
        return dt_util.utcnow() + duration
    until: datetime | None = call.data.get(ATTR_UNTIL)
    if until is None:
        return None
    until = dt_util.as_utc(
        until if until.tzinfo else until.replace(tzinfo=dt_util.get_default_time_zone())
    )
    if until <= dt_util.utcnow():
        raise invalid("until_in_past")
    return until


def _same_mode_and_destination(forwarding: Forwarding) -> Callable[[Line], bool]:
    return lambda line: (
        current_mode(line.forwarding) == current_mode(forwarding)
        and current_destination(line.forwarding) == current_destination(forwarding)
    )


async def _write_forwarding(
    target: TargetLine,
    forwarding: Forwarding,
    applied: Callable[[Line], bool] | None = None,
) -> None:
    """Send a forwarding to a line; by default it holds if mode and destination read back."""
    holds = applied or _same_mode_and_destination(forwarding)
    await target.runtime.writer.async_write(
        target.line_id,
        lambda _context: LineChange(forwarding=forwarding),
        lambda context: holds(context.line),
    )


async def _async_set_forwarding(call: ServiceCall) -> None:
    targets = resolve_lines(call)
    until = _until(call)
    plan: list[tuple[TargetLine, Forwarding]] = []
    for target in targets:
        line = target.line
        mode = _mode(call.data[ATTR_MODE], line)
        destination = resolve_destination(
            call.hass, target.runtime, call.data[ATTR_DESTINATION], line
        )
        try:
            forwarding = with_mode(line.forwarding, mode, destination)
            if (delay := call.data.get(ATTR_DELAY)) is not None:
                forwarding = with_delay(forwarding, line.features, delay)
        except CentrexError as err:
            raise translated_error(err) from err
        plan.append((target, forwarding))
    for target, forwarding in plan:
        before = target.line.forwarding
        await _write_forwarding(target, forwarding)
        _schedule_or_cancel(target, "forwarding", until, forwarding=before)


def _schedule_or_cancel(
    target: TargetLine,
    what: str,
    until: datetime | None,
    *,
    forwarding: Forwarding | None = None,
    do_not_disturb: bool | None = None,
) -> None:
    restorer = target.runtime.restorer
    if until is None:
        restorer.cancel(target.line_id, what)
        return
    restorer.add(PendingRestore(target.line_id, what, until, forwarding, do_not_disturb))


async def _async_clear_forwarding(call: ServiceCall) -> None:
    for target in resolve_lines(call):
        await _write_forwarding(
            target, all_off(target.line.forwarding), lambda line: is_all_off(line.forwarding)
        )
        target.runtime.restorer.cancel(target.line_id, "forwarding")


async def _async_set_do_not_disturb(call: ServiceCall) -> None:
    targets = resolve_lines(call)
    until = _until(call)
    enabled: bool = call.data[ATTR_ENABLED]
    for target in targets:
        if not target.line.features.do_not_disturb:
            raise invalid("do_not_disturb_not_supported", line=target.line.name)
    for target in targets:
        before = target.line.do_not_disturb
        await target.runtime.writer.async_write(
            target.line_id,
            lambda _context: LineChange(do_not_disturb=enabled),
            lambda context: context.line.do_not_disturb == enabled,
        )
        _schedule_or_cancel(target, "do_not_disturb", until, do_not_disturb=before)


async def _for_each_line(
    call: ServiceCall, action: Callable[[TargetLine], Awaitable[None]]
) -> ServiceResponse:
    """Run an action on every targeted line; one failure does not stop the others."""
    results: list[JsonValueType] = []
    failed = []
    for target in resolve_lines(call):
        try:
            await action(target)
        except HomeAssistantError as err:
            results.append(target.result(err))
            failed.append(target.line.name)
        else:
            results.append(target.result())
    if failed and not call.return_response:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="some_lines_failed",
            translation_placeholders={"lines": ", ".join(failed)},
        )
    return {"lines": results}


async def _async_forward_to_mobile(call: ServiceCall) -> ServiceResponse:
    async def forward(target: TargetLine) -> None:
        line = target.line
        mode = _mode(call.data[ATTR_MODE], line)
        options = target.runtime.coordinator.config_entry.options
        mobile = options.get(CONF_MOBILES, {}).get(line.id)
        if not mobile:
            raise invalid("no_mobile", line=line.name)
        memory = target.runtime.memory
        # Keep what the line did before the first move, however often it is moved.
        memory.saved.setdefault(line.id, line.forwarding)
        memory.save()
        await _write_forwarding(target, with_mode(line.forwarding, mode, mobile))

    return await _for_each_line(call, forward)


async def _async_restore_forwarding(call: ServiceCall) -> ServiceResponse:
    async def restore(target: TargetLine) -> None:
        memory = target.runtime.memory
        saved = memory.saved.get(target.line_id)
        if saved is None:
            raise invalid("nothing_to_restore", line=target.line.name)
        await _write_forwarding(target, saved)
        del memory.saved[target.line_id]
        memory.save()

    return await _for_each_line(call, restore)


async def _async_get_forwarding(call: ServiceCall) -> ServiceResponse:
    lines: list[JsonValueType] = []
    for target in resolve_lines(call):
        line = target.line
        mode = current_mode(line.forwarding)
        unreachable = line.forwarding.rule(ForwardKind.UNREACHABLE)
        pending = target.runtime.memory.restores.get(f"{line.id}/forwarding")
        lines.append(
            {
                "line": line.name,
                "device_id": target.device_id,
                "number": line.number,
                "mode": mode.value if mode else None,
                "destination": current_destination(line.forwarding),
                "no_answer_delay": line.forwarding.no_answer_delay,
                "unreachable": unreachable.active,
                "unreachable_destination": unreachable.destination,
                "do_not_disturb": line.do_not_disturb,
                "restore_at": pending.at.isoformat() if pending else None,
                "saved_for_restore": line.id in target.runtime.memory.saved,
            }
        )
    return {"lines": lines}


async def _async_mark_missed_calls_seen(call: ServiceCall) -> None:
    accounts = {}
    for target in resolve_lines(call):
        target.runtime.memory.missed.pop(target.line_id, None)
        accounts[target.runtime.account.id] = target.runtime
    for runtime in accounts.values():
        runtime.memory.save()
        runtime.coordinator.async_update_listeners()


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, for every account)."""
    register = hass.services.async_register
    register(DOMAIN, SERVICE_SET_FORWARDING, _async_set_forwarding, SET_FORWARDING_SCHEMA)
    register(DOMAIN, SERVICE_CLEAR_FORWARDING, _async_clear_forwarding, TARGET_SCHEMA)
    register(
        DOMAIN, SERVICE_SET_DO_NOT_DISTURB, _async_set_do_not_disturb, SET_DO_NOT_DISTURB_SCHEMA
    )
    register(
        DOMAIN,
        SERVICE_FORWARD_TO_MOBILE,
        _async_forward_to_mobile,
        FORWARD_TO_MOBILE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN,
        SERVICE_RESTORE_FORWARDING,
        _async_restore_forwarding,
        TARGET_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(DOMAIN, SERVICE_MARK_MISSED_CALLS_SEEN, _async_mark_missed_calls_seen, TARGET_SCHEMA)
    register(
        DOMAIN,
        SERVICE_GET_FORWARDING,
        _async_get_forwarding,
        TARGET_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
