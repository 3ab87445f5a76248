"""The forwarding switch, the unreachable switch, the delay, account sensors and change events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN
from homeassistant.components.number import SERVICE_SET_VALUE
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.components.select import SERVICE_SELECT_OPTION
from homeassistant.const import (
    ATTR_ENTITY_ID,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.centrex.const import DOMAIN, EVENT_FORWARDING_CHANGED, SCAN_INTERVAL

from .conftest import enable_disabled_entity, ovh_data, settle, setup_entry, switch
from .fakes import ovh
from .fakes.ovh import FakeOvh

FORWARDING = "switch.reception_call_forwarding"
MODE = "select.reception_call_forwarding_mode"


async def test_forwarding_switch_restores_the_last_mode(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert hass.states.get(FORWARDING).state == STATE_ON
    await switch(hass, FORWARDING, on=False)
    assert hass.states.get(FORWARDING).state == STATE_OFF
    assert hass.states.get(MODE).state == "off"

    await switch(hass, FORWARDING, on=True)
    assert hass.states.get(MODE).state == "no_answer"
    assert hass.states.get("text.reception_forwarding_destination").state == "Sales (Claire)"

    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: MODE, "option": "busy"},
        blocking=True,
    )
    await switch(hass, FORWARDING, on=False)
    await switch(hass, FORWARDING, on=True)
    assert hass.states.get(MODE).state == "busy"


async def test_last_mode_survives_a_restart(hass: HomeAssistant, ovh_fake: FakeOvh) -> None:
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: "select.accueil_call_forwarding_mode", "option": "busy_or_no_answer"},
        blocking=True,
    )
    await switch(hass, "switch.accueil_call_forwarding", on=False)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    await switch(hass, "switch.accueil_call_forwarding", on=True)
    assert hass.states.get("select.accueil_call_forwarding_mode").state == "busy_or_no_answer"


async def test_forwarding_switch_without_destination(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as excinfo:
        await switch(hass, "switch.workshop_call_forwarding", on=True)
    assert excinfo.value.translation_key == "destination_required"
    assert hass.states.get("switch.workshop_call_forwarding").state == STATE_OFF


async def test_unreachable_switch(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    entity_id = "switch.sales_claire_forward_when_unreachable"
    assert hass.states.get(entity_id).state == STATE_ON
    await switch(hass, entity_id, on=False)
    assert hass.states.get(entity_id).state == STATE_OFF
    await switch(hass, entity_id, on=True)
    assert hass.states.get(entity_id).state == STATE_ON

    # The reception line has a destination for its no-answer forward: it is reused.
    await switch(hass, "switch.reception_forward_when_unreachable", on=True)
    line = await init_integration.runtime_data.provider.async_get_line("reception")
    assert line.forwarding.rule("unreachable").destination == "line:sales_claire"

    with pytest.raises(ServiceValidationError):
        await switch(hass, "switch.workshop_forward_when_unreachable", on=True)


async def test_always_turns_the_unreachable_forward_off(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: "select.sales_claire_call_forwarding_mode", "option": "always"},
        blocking=True,
    )
    assert hass.states.get("switch.sales_claire_forward_when_unreachable").state == STATE_OFF


@pytest.mark.parametrize(("value", "ok"), [(35, True), (33, False), (90, False), (2.5, False)])
async def test_no_answer_delay(
    hass: HomeAssistant, init_integration: MockConfigEntry, value: float, ok: bool
) -> None:
    entity_id = "number.reception_no_answer_delay"
    state = hass.states.get(entity_id)
    assert state.state == "20"
    assert (state.attributes["min"], state.attributes["max"], state.attributes["step"]) == (
        5,
        60,
        5,
    )
    call = hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: entity_id, "value": value}, blocking=True
    )
    if ok:
        await call
        assert hass.states.get(entity_id).state == str(value)
    else:
        with pytest.raises(ServiceValidationError):
            await call
        assert hass.states.get(entity_id).state == "20"


async def test_account_sensors(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    ovh_fake: FakeOvh,
    freezer: FrozenDateTimeFactory,
) -> None:
    # Disabled by default: it changes with every poll.
    first = await enable_disabled_entity(
        hass, init_integration.entry_id, "sensor.atelier_durand_demo_last_successful_sync"
    )
    assert first.state != STATE_UNKNOWN
    # Enabled, it is written with each poll's time (an account entity writes when it changed).
    freezer.tick(SCAN_INTERVAL)
    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(first.entity_id).state != first.state
    # The demo has no request budget; OVH has one.
    assert hass.states.get("sensor.atelier_durand_demo_request_budget_used") is None
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    # Disabled by default: it is for diagnosing OVH's fair use.
    budget = await enable_disabled_entity(
        hass,
        entry.entry_id,
        f"sensor.ovhcloud_telecom_{ovh.NICHANDLE.replace('-', '_')}_request_budget_used",
    )
    assert 0 < float(budget.state) <= 100


async def test_changes_are_announced_with_their_source(
    hass: HomeAssistant, ovh_fake: FakeOvh, freezer: FrozenDateTimeFactory
) -> None:
    events = async_capture_events(hass, EVENT_FORWARDING_CHANGED)
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    await switch(hass, "switch.accueil_call_forwarding", on=False)
    assert [event.data["source"] for event in events] == ["home_assistant"]
    assert events[0].data["mode"] == "off"
    assert events[0].data["device_id"] is not None

    # Someone dials *21*… on the phone: OVH now forwards everything.
    ovh_fake.lines["0033184801200"].options.update(
        forwardUnconditional=True, forwardUnconditionalNumber="0033612345678"
    )
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await settle(hass)
    assert [event.data["source"] for event in events] == ["home_assistant", "external"]
    assert events[1].data["mode"] == "always"
    assert events[1].data["destination"] == "+33612345678"
    assert hass.states.get("switch.accueil_call_forwarding").state == STATE_ON
