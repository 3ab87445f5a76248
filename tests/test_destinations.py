"""Destinations as users name them: colleagues' lines, typed numbers kept while off, groups."""

from __future__ import annotations

import pytest
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.components.select import SERVICE_SELECT_OPTION
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.components.text import DOMAIN as TEXT_DOMAIN
from homeassistant.components.text import SERVICE_SET_VALUE
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.api import ForwardKind, line_destination
from custom_components.centrex.const import DOMAIN

from .conftest import setup_entry, sipgate_data
from .fakes.sipgate import FakeSipgate

WORKSHOP_FORWARD_TO = "select.workshop_forward_to"
WORKSHOP_DESTINATION = "text.workshop_forwarding_destination"
WORKSHOP_FORWARDING = "switch.workshop_call_forwarding"


async def _workshop(entry: MockConfigEntry) -> object:
    return await entry.runtime_data.provider.async_get_line("workshop")


async def test_a_colleague_is_offered_and_chosen_by_name(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    state = hass.states.get(WORKSHOP_FORWARD_TO)
    assert "Sales (Claire)" in state.attributes["options"]
    assert "Workshop" not in state.attributes["options"]  # not itself

    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: WORKSHOP_FORWARD_TO, "option": "Sales (Claire)"},
        blocking=True,
    )
    line = await _workshop(init_integration)
    assert line.forwarding.rule(ForwardKind.UNCONDITIONAL).destination == line_destination(  # type: ignore[attr-defined]
        "sales_claire"
    )
    assert hass.states.get(WORKSHOP_FORWARD_TO).state == "Sales (Claire)"
    assert hass.states.get(WORKSHOP_DESTINATION).state == "Sales (Claire)"


@pytest.mark.parametrize("how", ["name", "entity", "device"])
async def test_actions_take_a_colleague_by_name_entity_or_device(
    hass: HomeAssistant, init_integration: MockConfigEntry, how: str
) -> None:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "demo-atelier-durand_sales_julien"), init_integration.entry_id
    )
    assert device is not None
    destination = {
        "name": "sales (julien)",
        "entity": "switch.sales_julien_do_not_disturb",
        "device": device.id,
    }[how]
    await hass.services.async_call(
        DOMAIN,
        "set_forwarding",
        {ATTR_ENTITY_ID: WORKSHOP_FORWARDING, "mode": "busy", "destination": destination},
        blocking=True,
    )
    line = await _workshop(init_integration)
    assert line.forwarding.rule(ForwardKind.BUSY).destination == line_destination("sales_julien")  # type: ignore[attr-defined]
    response = await hass.services.async_call(
        DOMAIN,
        "get_forwarding",
        {ATTR_ENTITY_ID: WORKSHOP_FORWARDING},
        blocking=True,
        return_response=True,
    )
    assert response["lines"][0]["destination"] == line_destination("sales_julien")


async def test_a_line_is_not_forwarded_to_itself(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_forwarding",
            {ATTR_ENTITY_ID: WORKSHOP_FORWARDING, "mode": "always", "destination": "Workshop"},
            blocking=True,
        )
    assert err.value.translation_key == "unknown_destination"


async def test_a_destination_typed_while_off_is_ours_until_forwarding_comes_on(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    before = (await _workshop(init_integration)).forwarding  # type: ignore[attr-defined]
    await hass.services.async_call(
        TEXT_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: WORKSHOP_DESTINATION, "value": "06 11 22 33 44"},
        blocking=True,
    )
    # Shown, kept across restarts, but not written to the provider.
    assert hass.states.get(WORKSHOP_DESTINATION).state == "+33611223344"
    assert (await _workshop(init_integration)).forwarding == before  # type: ignore[attr-defined]
    memory = init_integration.runtime_data.memory
    assert memory.pending_destinations == {"workshop": "+33611223344"}

    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: WORKSHOP_FORWARDING}, blocking=True
    )
    line = await _workshop(init_integration)
    assert line.forwarding.rule(ForwardKind.UNCONDITIONAL).destination == "+33611223344"  # type: ignore[attr-defined]
    assert memory.pending_destinations == {}


# -- what only the provider's own tools can set --------------------------------


async def test_a_sipgate_group_is_shown_by_its_alias_and_kept(
    hass: HomeAssistant, sipgate_fake: FakeSipgate
) -> None:
    sipgate_fake.forwardings["p0"] = [
        {"alias": "Accounting group", "destination": "g1", "timeout": 15, "active": True}
    ]
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="sg", data=sipgate_data(sipgate_fake))
    )
    forward_to = hass.states.get("select.zentrale_forward_to")
    assert forward_to.state == "Accounting group"
    assert "Accounting group" in forward_to.attributes["options"]
    assert hass.states.get("text.zentrale_forwarding_destination").state == "Accounting group"
    assert hass.states.get("number.zentrale_no_answer_delay").state == "15"

    # Off, then on again: the group entry is switched, never rewritten.
    for service in (SERVICE_TURN_OFF, SERVICE_TURN_ON):
        await hass.services.async_call(
            SWITCH_DOMAIN,
            service,
            {ATTR_ENTITY_ID: "switch.zentrale_call_forwarding"},
            blocking=True,
        )
    assert sipgate_fake.forwardings["p0"] == [
        {"alias": "Accounting group", "destination": "g1", "timeout": 15, "active": True}
    ]
    # Choosing the group again is accepted; any other group is not ours to set.
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: "select.zentrale_forward_to", "option": "Accounting group"},
        blocking=True,
    )
    assert len(sipgate_fake.forwardings["p0"]) == 1
