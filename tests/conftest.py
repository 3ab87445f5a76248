"""Shared fixtures: a Home Assistant with the integration on the demo account."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.centrex.api.demo import DEMO_ACCOUNT_ID
from custom_components.centrex.const import CONF_PROVIDER, DOMAIN


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/centrex."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshot entities and states the way Home Assistant core does."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def demo_entry() -> MockConfigEntry:
    """A config entry for the demo account with reproducible simulated calls."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Atelier Durand (demo)",
        unique_id=DEMO_ACCOUNT_ID,
        data={CONF_PROVIDER: "demo", "seed": "tests"},
    )


@pytest.fixture
async def init_integration(hass: HomeAssistant, demo_entry: MockConfigEntry) -> MockConfigEntry:
    """Set up the demo account and hand back its entry."""
    hass.config.country = "FR"
    demo_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(demo_entry.entry_id)
    await hass.async_block_till_done()
    return demo_entry
