"""Shared fixtures: a Home Assistant with the integration on the demo account."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from unittest.mock import PropertyMock, patch

import aiohttp
import pytest
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.centrex.api.demo import DEMO_ACCOUNT_ID
from custom_components.centrex.api.ovh import OvhProvider
from custom_components.centrex.const import CONF_PROVIDER, DOMAIN

from .fakes import ovh, sipgate
from .fakes.ovh import FakeOvh
from .fakes.sipgate import FakeSipgate

DEMO_OPTIONS = {
    "destinations": [
        {"name": "Reception", "number": "+33184801200"},
        {"name": "Voicemail", "number": "voicemail"},
        {"name": "Claire's mobile", "number": "+33612345601"},
    ],
    "mobiles": {"sales_claire": "+33612345601", "sales_julien": "+33612345602"},
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/centrex."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshot entities and states the way Home Assistant core does."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create every entity enabled, those disabled by default included (as core's tests do)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def demo_entry() -> MockConfigEntry:
    """A config entry for the demo account with reproducible simulated calls."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Atelier Durand (demo)",
        unique_id=DEMO_ACCOUNT_ID,
        data={CONF_PROVIDER: "demo", "seed": "tests"},
        options=DEMO_OPTIONS,
    )


@pytest.fixture
async def init_integration(hass: HomeAssistant, demo_entry: MockConfigEntry) -> MockConfigEntry:
    """Set up the demo account and hand back its entry."""
    hass.config.country = "FR"
    demo_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(demo_entry.entry_id)
    await hass.async_block_till_done()
    return demo_entry


@pytest.fixture
async def client_session() -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain HTTP session, for driving the provider drivers without Home Assistant."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def ovh_fake(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncGenerator[FakeOvh]:
    """OVH's API, faked on a local port.

    A missed call is told once no pick-up followed for `answer_grace`; the
    fake's events of one call come in one batch, so no grace is needed here.
    """
    monkeypatch.setattr(OvhProvider, "answer_grace", 0)
    fake = FakeOvh()
    await fake.start()
    yield fake
    await fake.close()
    assert not fake.violations, "the fake answered outside OVH's published schema"


@pytest.fixture
async def sipgate_fake(socket_enabled: None) -> AsyncGenerator[FakeSipgate]:
    """sipgate's API, faked on a local port."""
    fake = FakeSipgate()
    await fake.start()
    yield fake
    await fake.close()
    assert not fake.violations, "the fake answered outside sipgate's published schema"


def ovh_data(fake: FakeOvh, consumer_key: str = ovh.CONSUMER_KEY) -> dict[str, str]:
    """Entry data for the OVH fake."""
    assert fake.server is not None
    return {
        CONF_PROVIDER: "ovh",
        "application_key": ovh.APPLICATION_KEY,
        "application_secret": ovh.APPLICATION_SECRET,
        "consumer_key": consumer_key,
        "base_url": str(fake.server.make_url("/1.0")),
        "events_url": str(fake.server.make_url("")).rstrip("/"),
    }


def sipgate_data(fake: FakeSipgate, token: str = sipgate.TOKEN) -> dict[str, str]:
    """Entry data for the sipgate fake."""
    assert fake.server is not None
    return {
        CONF_PROVIDER: "sipgate",
        "token_id": sipgate.TOKEN_ID,
        "token": token,
        "base_url": str(fake.server.make_url("/v2")),
    }


def asterisk_data(port: int, username: str, secret: str, **changes: str) -> dict[str, str]:
    """Return an Asterisk entry's data for a manager interface on loopback."""
    return {
        CONF_PROVIDER: "asterisk",
        "host": "127.0.0.1",
        "port": str(port),
        "username": username,
        "secret": secret,
        "tls": "off",
        "flavour": "asterisk",
        "outside_prefix": "0",
        "country": "FR",
        **changes,
    }


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add an entry and set it up."""
    hass.config.country = "FR"
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@contextlib.asynccontextmanager
async def loaded(hass: HomeAssistant, entry: MockConfigEntry) -> AsyncIterator[MockConfigEntry]:
    """Set an entry up for the block, and unload it after (closing its connections)."""
    await setup_entry(hass, entry)
    try:
        yield entry
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


def state(hass: HomeAssistant, entity_id: str) -> str | None:
    """Return an entity's state, or None when it does not exist."""
    found = hass.states.get(entity_id)
    return found.state if found else None


async def wait_for(hass: HomeAssistant, condition: Callable[[], bool], rounds: int = 2000) -> None:
    """Let Home Assistant work (including network I/O to the fakes) until `condition` holds.

    Counts loop iterations, not seconds, so that it also works with a frozen clock.
    """
    for _ in range(rounds):
        if condition():
            return
        await hass.async_block_till_done()
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


async def enable_disabled_entity(hass: HomeAssistant, entry_id: str, entity_id: str) -> State:
    """Enable an entity created disabled, as a user would, and return its state after the reload."""
    registry = er.async_get(hass)
    entity = registry.async_get(entity_id)
    assert entity is not None
    assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(entity_id) is None
    registry.async_update_entity(entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(entry_id)
    await settle(hass)
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def settle(hass: HomeAssistant, rounds: int = 300) -> None:
    """Let pending work, network I/O to the fakes included, run for a while."""
    for _ in range(rounds):
        await hass.async_block_till_done()
        await asyncio.sleep(0)


async def switch(hass: HomeAssistant, entity_id: str, *, on: bool) -> None:
    """Turn a switch on or off through Home Assistant's switch actions."""
    await hass.services.async_call(
        "switch", "turn_on" if on else "turn_off", {"entity_id": entity_id}, blocking=True
    )
