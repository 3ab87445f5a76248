"""Registering Home Assistant's address at sipgate, and telling when sipgate calls elsewhere."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.const import DOMAIN

from .conftest import settle, setup_entry, sipgate_data, wait_for
from .fakes.base import Fault
from .fakes.sipgate import FakeSipgate

PUBLIC = "https://ha.example.org"


async def _entry(hass: HomeAssistant, fake: FakeSipgate) -> MockConfigEntry:
    await async_process_ha_core_config(hass, {"external_url": PUBLIC})
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="sg", data=sipgate_data(fake))
    )
    await settle(hass)
    return entry


def _ours(entry: MockConfigEntry) -> str:
    return f"{PUBLIC}/api/webhook/{entry.data['webhook_id']}"


async def _configure(hass: HomeAssistant, entry: MockConfigEntry, **data: object) -> dict:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert "register_webhook" in result["data_schema"].schema
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"destinations": [], "mobiles": [], **data}
    )


async def test_registering_sets_only_the_incoming_url(
    hass: HomeAssistant, sipgate_fake: FakeSipgate, issue_registry: ir.IssueRegistry
) -> None:
    sipgate_fake.sipgateio = {
        "incomingUrl": "",
        "outgoingUrl": "https://crm.example.com/out",
        "log": True,
        "whitelist": ["w0"],
    }
    entry = await _entry(hass, sipgate_fake)
    issue_id = f"webhook_not_registered_{entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders["current"] == "-"

    result = await _configure(hass, entry, register_webhook=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "register_webhook" not in entry.options
    assert sipgate_fake.sipgateio == {
        "incomingUrl": _ours(entry),
        "outgoingUrl": "https://crm.example.com/out",
        "log": True,
        "whitelist": ["w0"],
    }
    await settle(hass)  # the entry reloaded and looked again
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_another_address_is_replaced_only_when_confirmed(
    hass: HomeAssistant, sipgate_fake: FakeSipgate
) -> None:
    sipgate_fake.sipgateio["incomingUrl"] = "https://crm.example.com/in"
    entry = await _entry(hass, sipgate_fake)

    result = await _configure(hass, entry, register_webhook=True)
    assert result["step_id"] == "replace_webhook"
    assert result["description_placeholders"]["current"] == "https://crm.example.com/in"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"replace": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert sipgate_fake.sipgateio["incomingUrl"] == "https://crm.example.com/in"
    await hass.async_block_till_done()  # saving reloads the entry
    await wait_for(hass, lambda: entry.state is ConfigEntryState.LOADED)

    result = await _configure(hass, entry, register_webhook=True)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"replace": True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert sipgate_fake.sipgateio["incomingUrl"] == _ours(entry)


async def test_a_refused_registration_is_explained_and_changes_nothing(
    hass: HomeAssistant, sipgate_fake: FakeSipgate
) -> None:
    entry = await _entry(hass, sipgate_fake)
    before = dict(entry.options)
    sipgate_fake.inject(Fault(path="/settings/sipgateio", status=403, times=5))
    result = await _configure(hass, entry, register_webhook=True)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "webhook_not_allowed"}
    assert dict(entry.options) == before
    assert sipgate_fake.sipgateio["incomingUrl"] == ""


async def test_without_a_public_address_nothing_is_registered(
    hass: HomeAssistant, sipgate_fake: FakeSipgate
) -> None:
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="sg", data=sipgate_data(sipgate_fake))
    )
    # No configured address, and no local one either (the harness has one).
    hass.config.internal_url = hass.config.external_url = None
    hass.config.api = None
    result = await _configure(hass, entry, register_webhook=True)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_public_url"}
    assert sipgate_fake.writes("/settings") == []
