"""Options: saved destinations and holders' mobiles, and the forward-to select they feed."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.components.select import SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

#: The workshop's colleagues: the demo account's other lines, in its order.
COLLEAGUES = ["Reception", "Assembly line", "Warehouse", "Sales (Claire)", "Sales (Julien)"]


async def _submit(hass: HomeAssistant, entry: MockConfigEntry, data: dict[str, Any]) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    return await hass.config_entries.options.async_configure(result["flow_id"], data)


async def test_options_are_saved_normalised(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await _submit(
        hass,
        init_integration,
        {
            "destinations": [
                {"name": " Accueil ", "number": "01 84 80 12 00"},
                {"name": "Messagerie", "number": "VoiceMail"},
            ],
            "mobiles": [{"line": "workshop", "mobile": "06 11 22 33 44"}],
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        "destinations": [
            {"name": "Accueil", "number": "+33184801200"},
            {"name": "Messagerie", "number": "voicemail"},
        ],
        "mobiles": {"workshop": "+33611223344"},
    }
    await hass.async_block_till_done()
    # The account reloaded: the forward-to select offers the new names.
    state = hass.states.get("select.workshop_forward_to")
    assert state.attributes["options"] == ["Accueil", "Messagerie", *COLLEAGUES]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"destinations": [{"name": "A", "number": "12"}]}, "invalid_number"),
        ({"destinations": [{"name": "", "number": "+33612345678"}]}, "missing_name"),
        (
            {
                "destinations": [
                    {"name": "A", "number": "+33612345678"},
                    {"name": "a", "number": "+33612345679"},
                ]
            },
            "duplicate_name",
        ),
        ({"destinations": [{"name": "Voicemail", "number": "+33612345678"}]}, "duplicate_name"),
        (
            {
                "mobiles": [
                    {"line": "workshop", "mobile": "+33612345678"},
                    {"line": "workshop", "mobile": "+33612345679"},
                ]
            },
            "duplicate_line",
        ),
        ({"mobiles": [{"line": "workshop", "mobile": "voicemail"}]}, "invalid_number"),
    ],
)
async def test_invalid_options_are_explained_and_nothing_is_saved(
    hass: HomeAssistant, init_integration: MockConfigEntry, data: dict[str, Any], error: str
) -> None:
    before = dict(init_integration.options)
    result = await _submit(hass, init_integration, data)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert dict(init_integration.options) == before


async def test_forward_to_a_saved_destination(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    entity_id = "select.workshop_forward_to"
    state = hass.states.get(entity_id)
    # Saved destinations first, then the account's other lines (a saved name wins).
    assert state.attributes["options"] == [
        "Reception",
        "Voicemail",
        "Claire's mobile",
        *COLLEAGUES[1:],
    ]
    assert state.state == "unknown"

    # Forwarding is off: choosing a destination switches it on.
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, "option": "Claire's mobile"},
        blocking=True,
    )
    assert hass.states.get(entity_id).state == "Claire's mobile"
    assert hass.states.get("select.workshop_call_forwarding_mode").state == "always"

    # Forwarding is on: only the destination changes.
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, "option": "Voicemail"},
        blocking=True,
    )
    assert hass.states.get(entity_id).state == "Voicemail"
    assert hass.states.get("text.workshop_forwarding_destination").state == "voicemail"
    assert hass.states.get("select.workshop_call_forwarding_mode").state == "always"


async def test_forward_to_shows_a_number_that_is_not_saved(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    entity_id = "select.workshop_forward_to"
    saved = ["Reception", "Voicemail", "Claire's mobile", *COLLEAGUES[1:]]
    await hass.services.async_call(
        "text",
        "set_value",
        {ATTR_ENTITY_ID: "text.workshop_forwarding_destination", "value": "06 98 76 54 32"},
        blocking=True,
    )
    # Calls go to a number nobody saved: the select shows it, as its own choice.
    state = hass.states.get(entity_id)
    assert state.state == "+33698765432"
    assert state.attributes["options"] == [*saved, "+33698765432"]

    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, "option": "Reception"},
        blocking=True,
    )
    state = hass.states.get(entity_id)
    assert state.state == "Reception"
    assert state.attributes["options"] == saved

    # Choosing the shown number itself is allowed and sends calls there.
    await hass.services.async_call(
        "text",
        "set_value",
        {ATTR_ENTITY_ID: "text.workshop_forwarding_destination", "value": "+33698765432"},
        blocking=True,
    )
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, "option": "+33698765432"},
        blocking=True,
    )
    assert hass.states.get("text.workshop_forwarding_destination").state == "+33698765432"
