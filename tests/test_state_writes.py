"""Entity state writes: when one line of many changes, only its entities write.

Counted through Home Assistant's own state events: every write of an entity's
state fires `state_changed` or, when nothing changed, `state_reported`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncGenerator, Mapping
from typing import Any

import pytest
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.api.sipgate import LINES_PER_POLL
from custom_components.centrex.const import DOMAIN

from .conftest import setup_entry, sipgate_data
from .fakes.sipgate import FakeSipgate

LINES = 100


@pytest.fixture
async def large_fake(socket_enabled: None) -> AsyncGenerator[FakeSipgate]:
    """A sipgate account of 100 lines."""
    fake = FakeSipgate.with_lines(LINES)
    await fake.start()
    yield fake
    await fake.close()
    assert not fake.violations


class Writes:
    """Counts state writes per entity of one config entry (its lines and its account)."""

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry) -> None:
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        lines = {device.id for device in devices if device.via_device_id is not None}
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        #: the entities Home Assistant shows (enabled ones)
        self.shown = {e.entity_id for e in entities if hass.states.get(e.entity_id)}
        #: entity id → the device (line) it belongs to
        self.line_of = {e.entity_id: e.device_id for e in entities if e.device_id in lines}
        self.counts: Counter[str] = Counter()

        @callback
        def ours(data: Mapping[str, Any]) -> bool:
            return data["entity_id"] in self.shown

        @callback
        def count(event: Event) -> None:
            self.counts[event.data["entity_id"]] += 1

        self._stop = [
            hass.bus.async_listen(kind, count, event_filter=ours)
            for kind in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
        ]

    def devices(self) -> set[str | None]:
        """The devices whose entities wrote (None for the account's own)."""
        return {self.line_of.get(entity_id) for entity_id in self.counts}

    def stop(self) -> None:
        for stop in self._stop:
            stop()


async def test_only_the_changed_line_writes(
    hass: HomeAssistant, large_fake: FakeSipgate, device_registry: dr.DeviceRegistry
) -> None:
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="sipgate", data=sipgate_data(large_fake))
    )
    coordinator = entry.runtime_data.coordinator
    assert len(coordinator.data.lines) == LINES
    writes = Writes(hass, entry)
    assert len(set(writes.line_of.values())) == LINES
    # The account's own entities are counted too (live events, at least).
    assert writes.shown - writes.line_of.keys()

    # A poll that finds nothing new writes no entity's state, line or account.
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert writes.counts == Counter()

    # Line 7 takes a call (an account-wide read, seen whatever lines this poll reads).
    large_fake.calls = [
        {
            "callId": "C7",
            "muted": False,
            "recording": False,
            "hold": False,
            "participants": [
                {
                    "participantId": "1",
                    "phoneNumber": "4930123400007",
                    "muted": False,
                    "hold": False,
                    "owner": True,
                }
            ],
        }
    ]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    line_7 = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"sipgate-{large_fake.master_sip_id}_w7_p7"), entry.entry_id
    )
    assert line_7 is not None
    assert writes.devices() == {line_7.id}
    assert hass.states.get("sensor.line_7_call_state").state == "in_call"
    # Each of its entities wrote once (a change rewrites the line's own states).
    line_7_entities = [e for e, device in writes.line_of.items() if device == line_7.id]
    assert writes.counts == Counter(dict.fromkeys(line_7_entities, 1))
    writes.stop()


async def test_large_accounts_are_read_a_slice_at_a_time(
    hass: HomeAssistant, large_fake: FakeSipgate
) -> None:
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="sipgate", data=sipgate_data(large_fake))
    )
    coordinator = entry.runtime_data.coordinator
    # Two slices of at most 64 lines, one per 30 s poll: each line re-read within a minute.
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 30
    seen: list[set[str]] = []
    for _ in range(2):
        large_fake.requests.clear()
        await coordinator.async_refresh()
        read = {
            request.path.split("/")[4]
            for request in large_fake.requests
            if request.method == "GET" and request.path.endswith("/forwardings")
        }
        assert len(read) <= LINES_PER_POLL
        seen.append(read)
    # The second poll reads those the first did not: every line within two polls.
    assert seen[0] | seen[1] == {f"p{i}" for i in range(LINES)}
    # A change made on a phone shows within two polls, whichever slice its line is in.
    large_fake.devices["w99"][0]["dnd"] = True
    for _ in range(2):
        await coordinator.async_refresh()
    assert coordinator.data.lines["w99_p99"].do_not_disturb
