"""Voice intents: forward a line, stop forwarding, do-not-disturb, ask where a line goes.

Lines are named as people say them: the line's name or its holder's name. The
spoken answers live in the custom sentences (one file per language), which
use the speech slots set here.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Any

import probatio as vol
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import intent

from .api import current_destination, current_mode
from .const import DOMAIN
from .destinations import destination_name
from .devices import line_device_id
from .runtime import CentrexRuntimeData, saved_destinations

INTENT_SET_FORWARDING = "CentrexSetForwarding"
INTENT_STOP_FORWARDING = "CentrexStopForwarding"
INTENT_DO_NOT_DISTURB = "CentrexDoNotDisturb"
INTENT_GET_FORWARDING = "CentrexGetForwarding"
INTENT_GET_MISSED_CALLS = "CentrexGetMissedCalls"


def _fold(text: str) -> str:
    """Compare names the way people say them: no case, no accents, no apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = (c for c in decomposed if not unicodedata.combining(c) and c not in "'\u2019()")
    return " ".join("".join(kept).split())


def _accounts(hass: HomeAssistant) -> list[CentrexRuntimeData]:
    return [entry.runtime_data for entry in hass.config_entries.async_loaded_entries(DOMAIN)]


def _find_line(hass: HomeAssistant, spoken: str) -> tuple[CentrexRuntimeData, str]:
    """Return the line named (by its name or its holder's), or raise a handled error."""
    wanted = _fold(spoken).removesuffix(" line").removeprefix("line ").strip()
    for runtime in _accounts(hass):
        for line in runtime.coordinator.data.lines.values():
            names = {_fold(line.name)}
            if line.holder:
                names |= {_fold(line.holder), _fold(line.holder.split()[0])}
            if wanted in names or any(wanted in name.split() for name in names):
                return runtime, line.id
    raise intent.MatchFailedError(
        result=intent.MatchTargetsResult(
            is_match=False, no_match_reason=intent.MatchFailedReason.NAME
        ),
        constraints=intent.MatchTargetsConstraints(name=spoken),
    )


class _CentrexIntentHandler(intent.IntentHandler):
    """Runs one of the integration's actions for a line named in the sentence."""

    platforms = {DOMAIN}

    @staticmethod
    async def _act(
        intent_obj: intent.Intent,
        service: str,
        target: tuple[CentrexRuntimeData, str],
        speech_slots: dict[str, Any],
        **data: Any,
    ) -> intent.IntentResponse:
        """Run an action on the line; answer with the speech slots, or with its error."""
        runtime, line_id = target
        device_id = line_device_id(intent_obj.hass, runtime, line_id)
        call = {ATTR_DEVICE_ID: device_id, **data}
        response = intent_obj.create_response()
        try:
            await intent_obj.hass.services.async_call(DOMAIN, service, call, blocking=True)
        except HomeAssistantError as err:
            response.async_set_error(intent.IntentResponseErrorCode.FAILED_TO_HANDLE, str(err))
            return response
        response.async_set_speech_slots(
            {"line": runtime.coordinator.data.lines[line_id].name, **speech_slots}
        )
        return response


class SetForwardingHandler(_CentrexIntentHandler):
    """Forward a line to a saved destination, a number or voicemail."""

    intent_type = INTENT_SET_FORWARDING
    description = "Forwards every call of a phone line to a saved destination or a number"
    slot_schema = {vol.Required("line"): cv.string, vol.Required("destination"): cv.string}

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Forward the line."""
        slots = self.async_validate_slots(intent_obj.slots)
        target = _find_line(intent_obj.hass, slots["line"]["value"])
        destination = slots["destination"]["value"]
        saved = {
            _fold(name): name for name in saved_destinations(target[0].coordinator.config_entry)
        }
        return await self._act(
            intent_obj,
            "set_forwarding",
            target,
            {"destination": saved.get(_fold(destination), destination)},
            mode="always",
            destination=destination,
        )


class StopForwardingHandler(_CentrexIntentHandler):
    """Stop forwarding a line."""

    intent_type = INTENT_STOP_FORWARDING
    description = "Stops every call forwarding of a phone line"
    slot_schema = {vol.Required("line"): cv.string}

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Clear the line's forwarding."""
        slots = self.async_validate_slots(intent_obj.slots)
        target = _find_line(intent_obj.hass, slots["line"]["value"])
        return await self._act(intent_obj, "clear_forwarding", target, {})


class DoNotDisturbHandler(_CentrexIntentHandler):
    """Silence a line, or let it ring again, optionally for some minutes."""

    intent_type = INTENT_DO_NOT_DISTURB
    description = "Turns do-not-disturb of a phone line on or off, optionally for some minutes"
    slot_schema = {
        vol.Required("line"): cv.string,
        vol.Required("state"): vol.In(["on", "off"]),
        vol.Optional("minutes"): vol.All(vol.Coerce(int), vol.Range(min=1, max=24 * 60)),
    }

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Set do-not-disturb."""
        slots = self.async_validate_slots(intent_obj.slots)
        target = _find_line(intent_obj.hass, slots["line"]["value"])
        state = slots["state"]["value"]
        data: dict[str, Any] = {"enabled": state == "on"}
        minutes = slots.get("minutes", {}).get("value")
        if minutes:
            data["duration"] = timedelta(minutes=minutes)
        return await self._act(
            intent_obj,
            "set_do_not_disturb",
            target,
            {"state": state, "minutes": minutes},
            **data,
        )


class GetForwardingHandler(_CentrexIntentHandler):
    """Tell where a line's calls go."""

    intent_type = INTENT_GET_FORWARDING
    description = "Tells whether and where a phone line is forwarded"
    slot_schema = {vol.Required("line"): cv.string}

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Answer with the line's mode and destination."""
        slots = self.async_validate_slots(intent_obj.slots)
        runtime, line_id = _find_line(intent_obj.hass, slots["line"]["value"])
        line = runtime.coordinator.data.lines[line_id]
        mode = current_mode(line.forwarding)
        destination = destination_name(runtime, current_destination(line.forwarding))
        response = intent_obj.create_response()
        response.async_set_speech_slots(
            {
                "line": line.name,
                "mode": mode.value if mode else "unknown",
                "destination": destination or "",
                "do_not_disturb": line.do_not_disturb,
            }
        )
        return response


class GetMissedCallsHandler(_CentrexIntentHandler):
    """Tell how many calls were missed, on one line or on all."""

    intent_type = INTENT_GET_MISSED_CALLS
    description = "Tells how many calls were missed, on one phone line or on all of them"
    slot_schema = {vol.Optional("line"): cv.string}

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Count missed calls."""
        slots = self.async_validate_slots(intent_obj.slots)
        if "line" in slots:
            runtime, line_id = _find_line(intent_obj.hass, slots["line"]["value"])
            count = runtime.memory.missed.get(line_id, 0)
            name = runtime.coordinator.data.lines[line_id].name
        else:
            count = sum(sum(c.memory.missed.values()) for c in _accounts(intent_obj.hass))
            name = ""
        response = intent_obj.create_response()
        response.async_set_speech_slots({"line": name, "count": count})
        return response


HANDLERS = (
    SetForwardingHandler,
    StopForwardingHandler,
    DoNotDisturbHandler,
    GetForwardingHandler,
    GetMissedCallsHandler,
)


async def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the integration's intents (the intent component calls this)."""
    for handler in HANDLERS:
        intent.async_register(hass, handler())
