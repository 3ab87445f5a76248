"""Entities of the demo account, through states, registries and services."""

from __future__ import annotations

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.components.select import SERVICE_SELECT_OPTION
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.components.text import DOMAIN as TEXT_DOMAIN
from homeassistant.components.text import SERVICE_SET_VALUE
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.centrex.api.demo import DEMO_ACCOUNT_ID, DemoProvider
from custom_components.centrex.const import DOMAIN

from .conftest import setup_entry

RECEPTION_MODE = "select.reception_call_forwarding_mode"
RECEPTION_DESTINATION = "text.reception_forwarding_destination"
WORKSHOP_MODE = "select.workshop_call_forwarding_mode"
WORKSHOP_DESTINATION = "text.workshop_forwarding_destination"


async def _select(hass: HomeAssistant, entity_id: str, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, "option": option},
        blocking=True,
    )


async def _set_text(hass: HomeAssistant, entity_id: str, value: str) -> None:
    await hass.services.async_call(
        TEXT_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: entity_id, "value": value}, blocking=True
    )


@pytest.mark.parametrize(
    "platform",
    [
        Platform.BINARY_SENSOR,
        Platform.EVENT,
        Platform.NUMBER,
        Platform.SELECT,
        Platform.SENSOR,
        Platform.SWITCH,
        Platform.TEXT,
    ],
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_platform_snapshots(
    hass: HomeAssistant,
    demo_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
    platform: Platform,
) -> None:
    freezer.move_to("2026-11-26T09:00:00+00:00")
    init_integration = await setup_entry(hass, demo_entry)
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    platform_entries = [entry for entry in entries if entry.domain == platform]
    assert platform_entries, f"no {platform} entity"
    # snapshot_platform goes through every entity of the entry; keep one platform.
    for entry in entries:
        if entry.domain != platform:
            entity_registry.async_remove(entry.entity_id)
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_every_line_is_a_device_behind_the_account(
    hass: HomeAssistant, init_integration: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    entry_id = init_integration.entry_id
    account = device_registry.async_get_device_by_identifier((DOMAIN, DEMO_ACCOUNT_ID), entry_id)
    assert account is not None
    assert account.entry_type is dr.DeviceEntryType.SERVICE
    lines = [
        device
        for device in dr.async_entries_for_config_entry(device_registry, entry_id)
        if device.id != account.id
    ]
    assert len(lines) >= 6
    assert all(device.via_device_id == account.id for device in lines)
    reception = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{DEMO_ACCOUNT_ID}_reception"), entry_id
    )
    assert reception is not None
    assert reception.serial_number == "+33184801200"
    assert reception.model == "Desk phone"


async def test_initial_states_reflect_the_account(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert hass.states.get(RECEPTION_MODE).state == "no_answer"
    assert hass.states.get(RECEPTION_DESTINATION).state == "Sales (Claire)"
    assert hass.states.get("sensor.reception_call_state").state == "idle"
    assert hass.states.get("binary_sensor.reception_registration").state == STATE_ON
    assert hass.states.get("binary_sensor.sales_julien_registration").state == STATE_OFF
    assert hass.states.get("switch.reception_do_not_disturb").state == STATE_OFF
    assert hass.states.get(WORKSHOP_MODE).state == "off"
    assert hass.states.get(WORKSHOP_MODE).attributes["options"] == [
        "off",
        "always",
        "busy",
        "no_answer",
        "busy_or_no_answer",
    ]


async def test_choosing_a_mode_forwards_to_the_current_destination(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await _select(hass, RECEPTION_MODE, "always")

    assert hass.states.get(RECEPTION_MODE).state == "always"
    assert hass.states.get(RECEPTION_DESTINATION).state == "Sales (Claire)"
    provider = init_integration.runtime_data.provider
    line = await provider.async_get_line("reception")
    assert line.forwarding.rule("unconditional").active
    assert line.forwarding.rule("unconditional").destination == "line:sales_claire"
    assert not line.forwarding.rule("no_answer").active

    await _select(hass, RECEPTION_MODE, "off")
    assert hass.states.get(RECEPTION_MODE).state == "off"
    # The destination is remembered for the next time forwarding is switched on.
    assert hass.states.get(RECEPTION_DESTINATION).state == "Sales (Claire)"


async def test_mode_without_destination_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as excinfo:
        await _select(hass, WORKSHOP_MODE, "busy")

    assert excinfo.value.translation_key == "destination_required"
    assert hass.states.get(WORKSHOP_MODE).state == "off"


async def test_destination_typed_nationally_is_stored_in_e164(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await _set_text(hass, WORKSHOP_DESTINATION, " 06 12 34 56 78 ")
    assert hass.states.get(WORKSHOP_DESTINATION).state == "+33612345678"
    assert hass.states.get(WORKSHOP_MODE).state == "off"

    await _select(hass, WORKSHOP_MODE, "busy_or_no_answer")
    assert hass.states.get(WORKSHOP_MODE).state == "busy_or_no_answer"

    await _set_text(hass, WORKSHOP_DESTINATION, "+49 30 1234567")
    line = await init_integration.runtime_data.provider.async_get_line("workshop")
    assert line.forwarding.rule("busy").destination == "+49301234567"
    assert line.forwarding.rule("no_answer").destination == "+49301234567"
    assert hass.states.get(WORKSHOP_DESTINATION).state == "+49301234567"


@pytest.mark.parametrize(
    ("value", "translation_key"),
    [
        ("not a number", "invalid_phone_number"),
        ("+33 1 23", "invalid_phone_number"),
        ("0" * 200, "invalid_phone_number"),
        ("+33184801200", "provider_rejected"),  # the line's own number: a loop
        ("+33 8 99 23 45 67", "provider_rejected"),  # premium rate
    ],
)
async def test_bad_destination_leaves_the_line_as_it_was(
    hass: HomeAssistant, init_integration: MockConfigEntry, value: str, translation_key: str
) -> None:
    provider = init_integration.runtime_data.provider
    before = await provider.async_get_line("reception")

    with pytest.raises(ServiceValidationError) as excinfo:
        await _set_text(hass, RECEPTION_DESTINATION, value)

    assert excinfo.value.translation_domain == DOMAIN
    assert excinfo.value.translation_key == translation_key
    assert await provider.async_get_line("reception") == before
    assert hass.states.get(RECEPTION_DESTINATION).state == "Sales (Claire)"
    assert hass.states.get(RECEPTION_MODE).state == "no_answer"


async def test_do_not_disturb_switch(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    entity_id = "switch.warehouse_do_not_disturb"
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    assert hass.states.get(entity_id).state == STATE_ON
    assert (await init_integration.runtime_data.provider.async_get_line("warehouse")).do_not_disturb

    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    assert hass.states.get(entity_id).state == STATE_OFF


async def test_change_the_provider_ignores_is_reported(
    hass: HomeAssistant, init_integration: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def accept_and_ignore(self: DemoProvider, line_id: str, enabled: bool) -> None:
        """A provider that answers OK but changes nothing."""

    monkeypatch.setattr(DemoProvider, "async_set_do_not_disturb", accept_and_ignore)
    with pytest.raises(HomeAssistantError) as excinfo:
        await hass.services.async_call(
            SWITCH_DOMAIN,
            SERVICE_TURN_ON,
            {ATTR_ENTITY_ID: "switch.reception_do_not_disturb"},
            blocking=True,
        )
    assert excinfo.value.translation_key == "not_applied"
    assert hass.states.get("switch.reception_do_not_disturb").state == STATE_OFF
