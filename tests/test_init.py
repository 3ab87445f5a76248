"""Setting up, refreshing and unloading an account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.centrex import IN_MEMORY_ACCOUNTS
from custom_components.centrex.api import CentrexConnectionError, CentrexRateLimitError
from custom_components.centrex.api.demo import DemoProvider
from custom_components.centrex.const import SCAN_INTERVAL

CALL_STATE = "sensor.reception_call_state"


async def _next_refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_unload_and_reload(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    assert init_integration.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get(CALL_STATE).state == STATE_UNAVAILABLE

    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CALL_STATE).state == "idle"


async def test_demo_account_survives_a_reload_but_not_new_settings(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    dnd = "switch.reception_do_not_disturb"
    await hass.services.async_call("switch", "turn_on", {"entity_id": dnd}, blocking=True)

    # Reloading (as saving the options does) finds the demo account as it was left.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(dnd).state == "on"

    # Other connection data is another account: it starts as the office left it.
    hass.config_entries.async_update_entry(
        init_integration, data={**init_integration.data, "seed": "another"}
    )
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(dnd).state == "off"

    # A deleted account is not kept in memory.
    assert init_integration.entry_id in hass.data[IN_MEMORY_ACCOUNTS]
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    assert init_integration.entry_id not in hass.data[IN_MEMORY_ACCOUNTS]


@pytest.mark.parametrize("method", ["async_get_account", "async_get_lines"])
async def test_unreachable_provider_retries_setup(
    hass: HomeAssistant,
    demo_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
) -> None:
    async def unreachable(self: DemoProvider) -> None:
        raise CentrexConnectionError("timeout")

    monkeypatch.setattr(DemoProvider, method, unreachable)
    demo_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(demo_entry.entry_id)
    await hass.async_block_till_done()
    assert demo_entry.state is ConfigEntryState.SETUP_RETRY


async def test_entities_unavailable_while_provider_is_down(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_get_lines = DemoProvider.async_get_lines

    async def down(self: DemoProvider) -> None:
        raise CentrexConnectionError("timeout")

    monkeypatch.setattr(DemoProvider, "async_get_lines", down)
    await _next_refresh(hass, freezer)
    assert hass.states.get(CALL_STATE).state == STATE_UNAVAILABLE
    assert hass.states.get("select.reception_call_forwarding_mode").state == STATE_UNAVAILABLE

    monkeypatch.setattr(DemoProvider, "async_get_lines", real_get_lines)
    await _next_refresh(hass, freezer)
    assert hass.states.get(CALL_STATE).state != STATE_UNAVAILABLE
    assert hass.states.get("select.reception_call_forwarding_mode").state == "no_answer"


async def test_simulated_calls_move_the_call_state(
    hass: HomeAssistant, init_integration: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    lines = ("reception", "workshop", "assembly_line", "warehouse", "sales_claire")
    seen: set[str] = set()
    for _ in range(60):
        await _next_refresh(hass, freezer)
        seen.update(hass.states.get(f"sensor.{line}_call_state").state for line in lines)
    assert seen == {"idle", "ringing", "in_call"}
    # Julien's softphone is not registered: it never rings.
    assert hass.states.get("sensor.sales_julien_call_state").state == "idle"


async def test_rate_limiting_slows_polling_without_outage(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_get_lines = DemoProvider.async_get_lines
    calls: list[str] = []

    async def limited(self: DemoProvider) -> None:
        calls.append("limited")
        raise CentrexRateLimitError("slow down", retry_after=120)

    monkeypatch.setattr(DemoProvider, "async_get_lines", limited)
    await _next_refresh(hass, freezer)
    assert calls == ["limited"]
    # The last known state stays on screen.
    assert hass.states.get("select.reception_call_forwarding_mode").state == "no_answer"

    # No request before the provider's delay has passed...
    await _next_refresh(hass, freezer)
    await _next_refresh(hass, freezer)
    assert calls == ["limited"]

    monkeypatch.setattr(DemoProvider, "async_get_lines", real_get_lines)
    freezer.tick(timedelta(seconds=120))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(CALL_STATE).state != STATE_UNAVAILABLE
    assert init_integration.runtime_data.coordinator.update_interval == SCAN_INTERVAL


async def test_rate_limited_at_start_retries_setup(
    hass: HomeAssistant, demo_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def limited(self: DemoProvider) -> None:
        raise CentrexRateLimitError("slow down", retry_after=120)

    monkeypatch.setattr(DemoProvider, "async_get_lines", limited)
    demo_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(demo_entry.entry_id)
    await hass.async_block_till_done()
    assert demo_entry.state is ConfigEntryState.SETUP_RETRY
