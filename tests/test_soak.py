"""Soak: hundreds of refreshes and actions while the provider misbehaves; then invariants.

Bounded in count (and so in time): a few seconds per provider.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.centrex.api import current_destination, current_mode
from custom_components.centrex.const import DOMAIN, SCAN_INTERVAL

from .conftest import ovh_data, settle, setup_entry, sipgate_data
from .fakes.base import FakeServer, Fault
from .fakes.ovh import FakeOvh
from .fakes.sipgate import FakeSipgate

CYCLES = 150
DESTINATIONS = ["+33612345601", "+33612345602", "+4915112345678", "+33184801299"]
AUTH_FAULTS = {
    # On the REST API: the events server does not check OVH credentials.
    "ovh": Fault(
        path="^/1.0/",
        status=403,
        body={
            "errorCode": "INVALID_CREDENTIAL",
            "httpCode": "403 Forbidden",
            "message": "This credential is not valid",
        },
    ),
    "sipgate": Fault(status=401),
}
FAULTS = [
    Fault(status=503, body={"message": "Service Unavailable"}),
    Fault(status=429, retry_after=1),
    Fault(malformed=True),
    Fault(drop=True, times=2),
    Fault(status=500),
]


@pytest.mark.parametrize(
    ("provider", "lines"),
    [
        (
            "ovh",
            {
                "select.accueil_call_forwarding_mode": "text.accueil_forwarding_destination",
                "select.atelier_call_forwarding_mode": "text.atelier_forwarding_destination",
            },
        ),
        (
            "sipgate",
            {
                "select.zentrale_call_forwarding_mode": "text.zentrale_forwarding_destination",
                "select.vertrieb_jonas_call_forwarding_mode": "text.vertrieb_jonas_forwarding_destination",
            },
        ),
    ],
)
async def test_soak(
    hass: HomeAssistant,
    ovh_fake: FakeOvh,
    sipgate_fake: FakeSipgate,
    freezer: FrozenDateTimeFactory,
    provider: str,
    lines: dict[str, str],
) -> None:
    fake: FakeServer = ovh_fake if provider == "ovh" else sipgate_fake
    data = ovh_data(ovh_fake) if provider == "ovh" else sipgate_data(sipgate_fake)
    entry = await setup_entry(hass, MockConfigEntry(domain=DOMAIN, unique_id=provider, data=data))
    rng = random.Random(f"soak-{provider}")
    accepted: dict[str, tuple[str, str]] = {}
    uncertain: dict[str, set[tuple[str, str]]] = {select: set() for select in lines}
    peak_budget = 0
    failures = 0

    for cycle in range(CYCLES):
        if cycle in {40, 110}:  # twice, a revoked-looking answer
            fake.inject(Fault(**AUTH_FAULTS[provider].__dict__))
        elif rng.random() < 0.3:
            fake.inject(Fault(**rng.choice(FAULTS).__dict__))
        select = rng.choice(list(lines))
        command = (rng.choice(["always", "no_answer"]), rng.choice(DESTINATIONS))
        try:
            await hass.services.async_call(
                DOMAIN,
                "set_forwarding",
                {ATTR_ENTITY_ID: select, "mode": command[0], "destination": command[1]},
                blocking=True,
            )
        except HomeAssistantError:
            # Failed: the provider may or may not have applied it.
            failures += 1
            uncertain[select].add(command)
        else:
            accepted[select] = command
            uncertain[select] = set()
        freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
        async_fire_time_changed(hass)
        await settle(hass, 20)
        if budget := entry.runtime_data.provider.request_budget():
            peak_budget = max(peak_budget, budget[0])
            assert budget[0] <= budget[1], "the request budget was exceeded"

    # The provider is healthy again: within one refresh, everything is back.
    fake.faults.clear()
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await settle(hass, 200)
    assert entry.state is ConfigEntryState.LOADED
    assert failures > 0, "the soak injected no failure"

    for select, text in lines.items():
        assert hass.states.get(select).state != STATE_UNAVAILABLE
        line_id = next(
            line.id
            for line in entry.runtime_data.coordinator.data.lines.values()
            if select.startswith(
                f"select.{line.name.lower().replace(' ', '_').replace('(', '').replace(')', '')}"
            )
        )
        line = await entry.runtime_data.provider.async_get_line(line_id)
        actual = (current_mode(line.forwarding).value, current_destination(line.forwarding))
        # No accepted write was lost or undone by a later one that failed before reaching it.
        assert actual == accepted.get(select) or actual in uncertain[select], select
        # And Home Assistant shows what the provider has.
        assert (hass.states.get(select).state, hass.states.get(text).state) == actual

    # Authentication failures started exactly one reauthentication flow.
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]

    # Unloading leaves no task of ours behind.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    leftovers = [
        task for task in asyncio.all_tasks() if not task.done() and DOMAIN in task.get_name()
    ]
    assert leftovers == []
    if provider == "ovh":
        assert peak_budget <= 60
