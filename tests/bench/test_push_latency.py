"""Benchmark (not part of the test run): how fast a pushed event reaches the entity state.

Run with `scripts/bench`; results go to BENCHMARKS.md.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import pytest
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.api import LineEvent, LineEventType
from custom_components.centrex.const import DOMAIN
from tests.conftest import ovh_data, setup_entry, wait_for
from tests.fakes.ovh import BILLING_ACCOUNT, FakeOvh

pytestmark = pytest.mark.bench

ROUNDS = 200
TARGET_MS = 50
RESULTS = Path(__file__).parents[2] / "BENCHMARKS.md"
LINE = f"{BILLING_ACCOUNT}_0033184801200"
STATE = "sensor.accueil_call_state"


async def test_push_event_to_state(hass: HomeAssistant, ovh_fake: FakeOvh) -> None:
    asyncio.get_running_loop().set_debug(False)  # as in a real installation
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    await wait_for(hass, lambda: ovh_fake.connected_sessions() > 0)
    coordinator = entry.runtime_data.coordinator
    changed: list[float] = []

    def on_change(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == STATE:
            changed.append(time.perf_counter())

    hass.bus.async_listen("state_changed", on_change)

    # In Home Assistant: from the driver handing over an event to the state.
    in_ha: list[float] = []
    for index in range(ROUNDS):
        kind = LineEventType.INCOMING if index % 2 == 0 else LineEventType.MISSED
        start = time.perf_counter()
        coordinator.async_handle_event(LineEvent(LINE, kind, f"bench-{index // 2}"))
        await hass.async_block_till_done()
        in_ha.append((changed[-1] - start) * 1000)

    # End to end: from the fake events server publishing to the state.
    end_to_end: list[float] = []
    for index in range(ROUNDS // 4):
        event = "start_ringing" if index % 2 == 0 else "end_ringing"
        count = len(changed)
        start = time.perf_counter()
        ovh_fake.push("0033184801200", event, f"e2e-{index // 2}")
        await wait_for(hass, lambda count=count: len(changed) > count)
        end_to_end.append((changed[-1] - start) * 1000)

    p50, p99 = statistics.median(in_ha), statistics.quantiles(in_ha, n=100)[98]
    e2e50 = statistics.median(end_to_end)
    e2e_max = max(end_to_end)
    verdict = "PASS" if p99 < TARGET_MS else "FAIL"
    table = (
        "## Push event to entity state\n\n"
        f"Measured by `scripts/bench` ({ROUNDS} events in Home Assistant, "
        f"{len(end_to_end)} through the OVH events fake over loopback).\n\n"
        "| Path | median | p99 / max | target | result |\n"
        "|---|---|---|---|---|\n"
        f"| event handed to Home Assistant → entity state | {p50:.2f} ms | {p99:.2f} ms (p99) | < {TARGET_MS} ms | {verdict} |\n"
        f"| fake events server → long poll → entity state | {e2e50:.2f} ms | {e2e_max:.2f} ms (max) | — | info |\n"
    )
    print("\n" + table)  # noqa: T201 - the benchmark reports on stdout
    RESULTS.write_text("# Benchmarks\n\n" + table)
    assert p99 < TARGET_MS
