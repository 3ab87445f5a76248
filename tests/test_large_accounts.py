"""Large accounts: beyond LARGE_ACCOUNT_LINES lines, a line's secondary entities start disabled."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.const import DOMAIN, LARGE_ACCOUNT_LINES
from custom_components.centrex.entity import ENABLED_ON_LARGE_ACCOUNTS

from .conftest import enable_disabled_entity, setup_entry, sipgate_data
from .fakes.sipgate import FakeSipgate


async def _fake(lines: int) -> FakeSipgate:
    fake = FakeSipgate.with_lines(lines)
    await fake.start()
    return fake


@pytest.fixture
async def fake(socket_enabled: None, request: pytest.FixtureRequest) -> AsyncGenerator[FakeSipgate]:
    """A sipgate account of as many lines as the test asks for."""
    fake = await _fake(request.param)
    yield fake
    await fake.close()
    assert not fake.violations


def _line_entities(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[str, list[er.RegistryEntry]]:
    """The registry entries of each line device, by device id."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    lines = {device.id for device in devices if device.via_device_id is not None}
    found: dict[str, list[er.RegistryEntry]] = {device: [] for device in lines}
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        if entity.device_id in found:
            found[entity.device_id].append(entity)
    return found


def _keys(entry: MockConfigEntry) -> Callable[[er.RegistryEntry], str]:
    """Return a function giving a line entity's description key (its unique id ends with it)."""
    runtime = entry.runtime_data
    prefixes = [f"{runtime.account.id}_{line_id}_" for line_id in runtime.coordinator.data.lines]

    def key(entity: er.RegistryEntry) -> str:
        prefix = next(p for p in prefixes if entity.unique_id.startswith(p))
        return entity.unique_id.removeprefix(prefix)

    return key


@pytest.mark.parametrize("fake", [LARGE_ACCOUNT_LINES + 1], indirect=True)
async def test_large_account_enables_only_the_everyday_entities(
    hass: HomeAssistant, fake: FakeSipgate
) -> None:
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="sipgate", data=sipgate_data(fake))
    )
    lines = _line_entities(hass, entry)
    assert len(lines) == LARGE_ACCOUNT_LINES + 1
    _key = _keys(entry)
    for entities in lines.values():
        enabled = {_key(e) for e in entities if not e.disabled}
        disabled = [e for e in entities if e.disabled]
        # Every everyday entity the provider supports is there and enabled ...
        assert enabled == ENABLED_ON_LARGE_ACCOUNTS & {_key(e) for e in entities}
        assert {"call_state", "forwarding_mode", "do_not_disturb"} <= enabled
        # ... and the others exist, disabled by the integration, without a state.
        assert disabled
        for entity in disabled:
            assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
            assert hass.states.get(entity.entity_id) is None

    # The user enables one of them: after the reload it has a state.
    missed = next(e for entities in lines.values() for e in entities if _key(e) == "missed_calls")
    state = await enable_disabled_entity(hass, entry.entry_id, missed.entity_id)
    assert entry.state is ConfigEntryState.LOADED
    assert state.state == "0"


@pytest.mark.parametrize("fake", [LARGE_ACCOUNT_LINES], indirect=True)
async def test_account_up_to_the_limit_enables_everything(
    hass: HomeAssistant, fake: FakeSipgate
) -> None:
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="sipgate", data=sipgate_data(fake))
    )
    lines = _line_entities(hass, entry)
    assert len(lines) == LARGE_ACCOUNT_LINES
    for entities in lines.values():
        assert len(entities) > len(ENABLED_ON_LARGE_ACCOUNTS)
        assert not [e for e in entities if e.disabled]
        assert all(hass.states.get(e.entity_id) is not None for e in entities)
