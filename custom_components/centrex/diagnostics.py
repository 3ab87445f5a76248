"""Diagnostics: what the integration knows about an account, with credentials redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .api import PROVIDERS, redacted_keys
from .push import CONF_WEBHOOK_ID
from .runtime import CentrexConfigEntry
from .storage import forwarding_to_dict

#: Everything in entry data that could open an account (as each driver
#: declares its fields), or feed it forged events.
TO_REDACT = redacted_keys(PROVIDERS.values()) | {CONF_WEBHOOK_ID}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CentrexConfigEntry
) -> dict[str, Any]:
    """Return the account, its lines and what is remembered, without secrets."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    budget = runtime.provider.request_budget()
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "account": asdict(runtime.account),
        "last_sync": coordinator.last_sync.isoformat() if coordinator.last_sync else None,
        "last_update_success": coordinator.last_update_success,
        "request_budget": {"used_last_minute": budget[0], "per_minute": budget[1]}
        if budget
        else None,
        "lines": [
            {
                "id": line.id,
                "name": line.name,
                "number": line.number,
                "device_kind": line.device_kind.value,
                "features": {
                    "forward_kinds": sorted(kind.value for kind in line.features.forward_kinds),
                    "no_answer_delay": asdict(line.features.no_answer_delay)
                    if line.features.no_answer_delay
                    else None,
                    "do_not_disturb": line.features.do_not_disturb,
                    "options": sorted(option.value for option in line.features.options),
                    "voicemail_messages": line.features.voicemail_messages,
                },
                "forwarding": forwarding_to_dict(line.forwarding),
                "do_not_disturb": line.do_not_disturb,
                "registered": line.registered,
                "call_state": line.call_state.value if line.call_state else None,
                "options": {option.value: on for option, on in line.options.items()},
                "new_voicemails": line.new_voicemails,
            }
            for line in coordinator.data.lines.values()
        ],
        "remembered": {
            "last_modes": dict(runtime.memory.last_modes),
            "pending_restores": [r.to_dict() for r in runtime.memory.restores.values()],
            "saved_for_restore": sorted(runtime.memory.saved),
            "pending_destinations": dict(runtime.memory.pending_destinations),
        },
    }
