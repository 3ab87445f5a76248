"""Where calls can go, as users name them: saved destinations, colleagues' lines, numbers.

One place turns what a user typed, picked or said into a destination of the
provider layer, and a destination back into the name users know it by:

- a saved destination (the account's options), by its name;
- another line of the same account (a colleague), by its name, its device or
  one of its entities;
- "voicemail";
- a phone number, in any form people write them (read in the home's country);
- read-only: what only the provider's own tools can set (a sipgate group),
  shown with the provider's alias.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from .api import (
    VOICEMAIL,
    InvalidPhoneNumberError,
    Line,
    destination_line_id,
    is_other_destination,
    line_destination,
    to_e164,
)
from .const import DOMAIN
from .devices import line_of_device
from .errors import translated_error
from .runtime import CentrexRuntimeData, saved_destinations

_MAX_TEXT = 100


def destination_name(runtime: CentrexRuntimeData, destination: str | None) -> str | None:
    """Return how a destination is shown: saved name, line name, alias or the number."""
    if destination is None:
        return None
    if (line_id := destination_line_id(destination)) is not None:
        line = runtime.coordinator.data.lines.get(line_id)
        return line.name if line else destination
    if is_other_destination(destination):
        return _other_label(runtime, destination)
    saved = saved_destinations(runtime.coordinator.config_entry)
    return next((name for name, number in saved.items() if number == destination), destination)


def _other_label(runtime: CentrexRuntimeData, destination: str) -> str:
    for line in runtime.coordinator.data.lines.values():
        for rule in line.forwarding.rules.values():
            if rule.destination == destination and rule.label:
                return rule.label
    return destination.split(":", 1)[1]


#: Beyond this many lines, "Forward to" offers saved destinations only: a list
#: of hundreds of colleagues helps nobody and weighs on every state written.
#: Any line's name can still be typed, or given to the actions.
MAX_COLLEAGUE_CHOICES = 30


def destination_choices(runtime: CentrexRuntimeData, line: Line) -> list[str]:
    """Return what a line's "Forward to" offers: saved destinations, then colleagues' lines."""
    choices = list(saved_destinations(runtime.coordinator.config_entry))
    seen = set(choices)
    lines = runtime.coordinator.data.lines
    if len(lines) <= MAX_COLLEAGUE_CHOICES + 1:
        for other in lines.values():
            if other.id != line.id and other.name not in seen:
                choices.append(other.name)
                seen.add(other.name)
    current = destination_name(runtime, runtime.memory.next_destination(line))
    if current is not None and current not in seen:
        choices.append(current)
    return choices


def _invalid(text: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unknown_destination",
        translation_placeholders={"destination": text[:_MAX_TEXT]},
    )


def _other_named(line: Line, wanted: str) -> str | None:
    """Return the line's current read-only destination if `wanted` names it."""
    for rule in line.forwarding.rules.values():
        if is_other_destination(rule.destination) and wanted in {
            (rule.label or "").casefold(),
            str(rule.destination).casefold(),
        }:
            return rule.destination
    return None


def _line_by_reference(hass: HomeAssistant, runtime: CentrexRuntimeData, text: str) -> str | None:
    """Return the line a device id or an entity id of this account stands for."""
    device_id = text
    if (entity := er.async_get(hass).async_get(text)) is not None:
        device_id = entity.device_id or ""
    device = dr.async_get(hass).async_get(device_id)
    return line_of_device(runtime, device) if device is not None else None


def resolve_destination(
    hass: HomeAssistant,
    runtime: CentrexRuntimeData,
    text: str,
    line: Line | None = None,
    *,
    as_number: bool = False,
) -> str:
    """Turn what a user gave into a destination; a clear, translated error otherwise.

    `line`, when given, is the line being forwarded: current read-only
    destinations (a group) are accepted as they are, and a line cannot be
    forwarded to itself. With `as_number` (a field people type numbers in),
    what matches nothing is reported as an invalid phone number.
    """
    wanted = text.strip().casefold()
    for name, number in saved_destinations(runtime.coordinator.config_entry).items():
        if name.strip().casefold() == wanted:
            return number
    if wanted == VOICEMAIL:
        return VOICEMAIL
    found = next(
        (
            other.id
            for other in runtime.coordinator.data.lines.values()
            if other.name.casefold() == wanted
        ),
        None,
    ) or _line_by_reference(hass, runtime, text.strip())
    if found is not None:
        if line is not None and found == line.id:
            raise _invalid(text)
        return line_destination(found)
    if line is not None and (other := _other_named(line, wanted)) is not None:
        return other
    try:
        return to_e164(text.strip(), hass.config.country)
    except InvalidPhoneNumberError as err:
        if as_number:
            raise translated_error(err) from err
        raise _invalid(text) from None
