"""Credentials never reach logs or error messages, whatever goes wrong."""

from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.components.select import SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.centrex.const import DOMAIN, SCAN_INTERVAL

from .conftest import ovh_data, settle, setup_entry, sipgate_data, wait_for
from .fakes import ovh, sipgate
from .fakes.base import FakeServer, Fault
from .fakes.ovh import FakeOvh
from .fakes.sipgate import FakeSipgate

SECRETS = [
    ovh.APPLICATION_SECRET,
    ovh.CONSUMER_KEY,
    sipgate.TOKEN,
    base64.b64encode(f"{sipgate.TOKEN_ID}:{sipgate.TOKEN}".encode()).decode(),
]


async def _exercise_failures(
    hass: HomeAssistant, fake: FakeServer, entity_id: str, freezer: FrozenDateTimeFactory
) -> list[str]:
    """Make every kind of failure happen and return the error messages seen."""
    messages: list[str] = []
    for fault in (
        Fault(status=503, body={"message": "down"}),
        Fault(malformed=True),
        Fault(status=429, retry_after=1),
        Fault(status=400, body={"message": "bad"}, method="PUT"),
        Fault(drop=True, times=2),
    ):
        fake.inject(fault)
        try:
            await hass.services.async_call(
                SELECT_DOMAIN,
                SERVICE_SELECT_OPTION,
                {ATTR_ENTITY_ID: entity_id, "option": "always"},
                blocking=True,
            )
        except HomeAssistantError as err:
            messages.append(str(err))
            messages.append(repr(err.__cause__))
        # A minute apart, like a real day would be: OVH's request budget refills.
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await settle(hass)
    fake.revoke()  # type: ignore[attr-defined]
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await wait_for(hass, lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))
    return messages


@pytest.mark.parametrize("provider", ["ovh", "sipgate"])
async def test_no_secret_in_logs_or_errors(
    hass: HomeAssistant,
    ovh_fake: FakeOvh,
    sipgate_fake: FakeSipgate,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    hass_client: ClientSessionGenerator,
    provider: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    if provider == "ovh":
        fake: FakeServer = ovh_fake
        data, entity_id = ovh_data(ovh_fake), "select.accueil_call_forwarding_mode"
    else:
        fake = sipgate_fake
        data, entity_id = sipgate_data(sipgate_fake), "select.zentrale_call_forwarding_mode"
    entry = await setup_entry(hass, MockConfigEntry(domain=DOMAIN, unique_id=provider, data=data))

    messages = await _exercise_failures(hass, fake, entity_id, freezer)
    diagnostics = json.dumps(await get_diagnostics_for_config_entry(hass, hass_client, entry))
    messages.append(diagnostics)

    assert messages, "no failure was provoked"
    assert "centrex" in caplog.text
    secrets = [*SECRETS, *([entry.data["webhook_id"]] if "webhook_id" in entry.data else [])]
    for secret in secrets:
        assert secret not in caplog.text
        assert all(secret not in message for message in messages)
