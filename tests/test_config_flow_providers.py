"""The config flow with the real drivers, against the providers' fakes."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.const import DOMAIN

from .conftest import ovh_data, sipgate_data
from .fakes import ovh, sipgate
from .fakes.base import Fault
from .fakes.ovh import FakeOvh
from .fakes.sipgate import FakeSipgate


async def _credentials_form(hass: HomeAssistant, provider: str) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": provider}
    )
    assert result["step_id"] == "credentials"
    return result["flow_id"]


ADVANCED = {"base_url", "events_url"}


def _form(data: dict[str, str]) -> dict[str, Any]:
    fields = {key: value for key, value in data.items() if key not in {"provider", *ADVANCED}}
    return {**fields, "advanced": {key: value for key, value in data.items() if key in ADVANCED}}


async def test_ovh_with_a_consumer_key(hass: HomeAssistant, ovh_fake: FakeOvh) -> None:
    flow_id = await _credentials_form(hass, "ovh")
    result = await hass.config_entries.flow.async_configure(flow_id, _form(ovh_data(ovh_fake)))

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"OVHcloud Telecom {ovh.NICHANDLE}"
    assert result["result"].unique_id == f"ovh-{ovh.NICHANDLE}"
    assert result["data"] == ovh_data(ovh_fake)


async def test_ovh_consumer_key_obtained_for_the_user(
    hass: HomeAssistant, ovh_fake: FakeOvh
) -> None:
    flow_id = await _credentials_form(hass, "ovh")
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(ovh_data(ovh_fake, consumer_key=""))
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "authorize"
    url = result["description_placeholders"]["url"]
    assert "credentialToken=" in url

    # Submitted before approving on OVH's site: the flow says so and waits.
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["errors"] == {"base": "not_authorized"}

    ovh_fake.inject(Fault(path="/1.0/me", status=503))
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["errors"] == {"base": "cannot_connect"}

    new_key = url.split("credentialToken=")[1]
    ovh_fake.validate(new_key)
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["consumer_key"] == new_key


async def test_wrong_application_key_then_fixed(hass: HomeAssistant, ovh_fake: FakeOvh) -> None:
    flow_id = await _credentials_form(hass, "ovh")
    wrong = {**ovh_data(ovh_fake, consumer_key=""), "application_key": "nope"}
    result = await hass.config_entries.flow.async_configure(flow_id, _form(wrong))
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(flow_id, _form(ovh_data(ovh_fake)))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_sipgate_errors_then_success(hass: HomeAssistant, sipgate_fake: FakeSipgate) -> None:
    flow_id = await _credentials_form(hass, "sipgate")
    data = sipgate_data(sipgate_fake)

    result = await hass.config_entries.flow.async_configure(
        flow_id, _form({**data, "token": "wrong"})
    )
    assert result["errors"] == {"base": "invalid_auth"}

    sipgate_fake.inject(Fault(path="userinfo", status=403))
    result = await hass.config_entries.flow.async_configure(flow_id, _form(data))
    assert result["errors"] == {"base": "insufficient_rights"}

    sipgate_fake.inject(Fault(path="userinfo", status=503))
    result = await hass.config_entries.flow.async_configure(flow_id, _form(data))
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(flow_id, _form(data))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == f"sipgate-{sipgate.MASTER_SIP_ID}"


async def test_reauth_with_a_new_token(hass: HomeAssistant, sipgate_fake: FakeSipgate) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"sipgate-{sipgate.MASTER_SIP_ID}",
        data=sipgate_data(sipgate_fake, token="revoked-token"),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token_id": sipgate.TOKEN_ID, "token": sipgate.TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"] == sipgate.TOKEN
    assert entry.data["base_url"] == sipgate_data(sipgate_fake)["base_url"]


async def test_reauth_with_another_account_is_refused(
    hass: HomeAssistant, sipgate_fake: FakeSipgate
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="sipgate-other", data=sipgate_data(sipgate_fake, token="old")
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token_id": sipgate.TOKEN_ID, "token": sipgate.TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data["token"] == "old"


async def test_reconfigure_the_api_address(hass: HomeAssistant, ovh_fake: FakeOvh) -> None:
    data = ovh_data(ovh_fake)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"ovh-{ovh.NICHANDLE}",
        data={**data, "base_url": "http://127.0.0.1:9/1.0"},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], _form(data))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["base_url"] == data["base_url"]
