"""Lines that come and go, and diagnostics without secrets."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.centrex.api.ovh import DISCOVERY_INTERVAL
from custom_components.centrex.const import DOMAIN

from .conftest import ovh_data, settle, setup_entry, wait_for
from .fakes import ovh
from .fakes.ovh import FakeLine, FakeOvh, line_options

NEW_LINE = "0033184801220"


async def test_lines_added_and_removed_at_the_provider(
    hass: HomeAssistant,
    ovh_fake: FakeOvh,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    ovh_fake.lines[NEW_LINE] = FakeLine("Entrepôt", options=line_options(NEW_LINE))
    del ovh_fake.lines["0033184801201"]

    freezer.tick(DISCOVERY_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await settle(hass)

    assert hass.states.get("select.entrepot_call_forwarding_mode") is not None
    gone = f"ovh-{ovh.NICHANDLE}_{ovh.BILLING_ACCOUNT}_0033184801201"
    assert device_registry.async_get_device_by_identifier((DOMAIN, gone), entry.entry_id) is None
    assert hass.states.get("select.atelier_call_forwarding_mode") is None
    # The removed line's entities went without a single error on the way (the
    # fake server's own access log, under a frozen clock, is not ours).
    errors = [
        r for r in caplog.records if r.levelno >= logging.ERROR and r.name != "aiohttp.access"
    ]
    assert not errors, [r.getMessage() for r in errors]


async def test_only_gone_lines_can_be_deleted_by_hand(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: object,
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)  # type: ignore[operator]
    reception = device_registry.async_get_device_by_identifier(
        (DOMAIN, "demo-atelier-durand_reception"), init_integration.entry_id
    )
    old = device_registry.async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={(DOMAIN, "demo-atelier-durand_old")}
    )
    for device, allowed in ((reception, False), (old, True)):
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": init_integration.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        assert response["success"] is allowed


async def test_diagnostics_are_redacted(
    hass: HomeAssistant,
    ovh_fake: FakeOvh,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    # Live events connected: call states are known (idle), not a race with the stream.
    await wait_for(hass, lambda: entry.runtime_data.calls.connected is True)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    for secret in (ovh.APPLICATION_SECRET, ovh.CONSUMER_KEY, ovh.APPLICATION_KEY):
        assert secret not in text
    assert diagnostics["entry"]["data"]["application_secret"] == "**REDACTED**"
    assert len(diagnostics["lines"]) == 3
    assert diagnostics["request_budget"]["per_minute"] == 60
    assert diagnostics["lines"][0] == snapshot(exclude=lambda prop, path: prop == "base_url")
