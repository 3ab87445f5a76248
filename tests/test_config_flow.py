"""The config flow, driven through Home Assistant's flow manager."""

from __future__ import annotations

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.api import (
    CentrexAuthenticationError,
    CentrexConnectionError,
    CentrexRequestError,
)
from custom_components.centrex.api.demo import DEMO_ACCOUNT_ID, DemoProvider
from custom_components.centrex.const import DOMAIN


async def _start(hass: HomeAssistant) -> str:
    """Start a flow and choose the demo provider; return the flow at its credentials step."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"provider": "demo"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials"
    return result["flow_id"]


async def test_demo_account_needs_no_credentials(hass: HomeAssistant) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {"advanced": {}})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Atelier Durand (demo)"
    assert result["data"] == {"provider": "demo"}
    assert result["result"].unique_id == DEMO_ACCOUNT_ID
    # The entry was set up for real: its lines are there.
    assert hass.states.get("select.reception_call_forwarding_mode") is not None


async def test_advanced_users_can_seed_the_simulation(hass: HomeAssistant) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {"advanced": {"seed": "42"}})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"provider": "demo", "seed": "42"}


async def test_same_account_twice_is_refused(
    hass: HomeAssistant, demo_entry: MockConfigEntry
) -> None:
    demo_entry.add_to_hass(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {"advanced": {}})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (CentrexAuthenticationError("refused"), "invalid_auth"),
        (CentrexConnectionError("unreachable"), "cannot_connect"),
        (CentrexRequestError("odd answer"), "unknown"),
    ],
)
async def test_failed_test_is_shown_then_recovered(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, error: Exception, reason: str
) -> None:
    real_get_account = DemoProvider.async_get_account

    async def failing_get_account(self: DemoProvider) -> None:
        raise error

    # The provider (a dependency of the flow) fails; the flow is what is tested.
    monkeypatch.setattr(DemoProvider, "async_get_account", failing_get_account)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {"advanced": {}})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": reason}

    monkeypatch.setattr(DemoProvider, "async_get_account", real_get_account)
    result = await hass.config_entries.flow.async_configure(flow_id, {"advanced": {}})
    assert result["type"] is FlowResultType.CREATE_ENTRY
