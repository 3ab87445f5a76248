"""The asterisk driver against a real Asterisk, with real SIP phones and calls (SIPp).

Everything goes through Home Assistant's public interfaces (config flow,
entity states, actions); what the PBX holds is read on its own console, not
through the code under test. Skipped, with the reason, where no Asterisk
with chan_sip and no SIPp are found; CI sets CENTREX_REQUIRE_ASTERISK so
that there they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncGenerator, Callable
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.const import DOMAIN

from .conftest import asterisk_data, loaded, state
from .pbx import (
    LIMITED_USER,
    MANAGER_SECRET,
    MANAGER_USER,
    RealAsterisk,
    find_asterisk,
    finished,
    free_port,
    skip_reason,
)

REASON = skip_reason()
if REASON is not None and os.environ.get("CENTREX_REQUIRE_ASTERISK"):
    raise RuntimeError(f"the real-Asterisk tests must run here, but: {REASON}")
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

CALL_STATE = "sensor.reception_call_state"
CALLS = "event.reception_calls"


async def until(condition: Callable[[], bool], seconds: float = 15) -> None:
    """Wait for a real server and real phones (a liveness limit, not a timing goal)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.05)


def pbx_data(pbx: RealAsterisk, **changes: str) -> dict[str, str]:
    return {**asterisk_data(pbx.ami_port, MANAGER_USER, MANAGER_SECRET), **changes}


@pytest.fixture
async def pbx(socket_enabled: None) -> AsyncGenerator[RealAsterisk]:
    binary = find_asterisk()
    assert binary is not None
    server = RealAsterisk(binary)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        server.cleanup()


@pytest.fixture
async def entry(hass: HomeAssistant, pbx: RealAsterisk) -> AsyncGenerator[MockConfigEntry]:
    async with loaded(hass, MockConfigEntry(domain=DOMAIN, data=pbx_data(pbx))) as config_entry:
        yield config_entry


def record(hass: HomeAssistant, entity_id: str, attribute: str | None = None) -> list[Any]:
    """Collect every new state (or attribute) an entity takes from now on."""
    seen: list[Any] = []

    def changed(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and event.data["entity_id"] == entity_id:
            seen.append(new.attributes.get(attribute) if attribute else new.state)

    hass.bus.async_listen("state_changed", changed)
    return seen


async def set_forwarding(hass: HomeAssistant, mode: str, destination: str, **extra: Any) -> None:
    await hass.services.async_call(
        DOMAIN,
        "set_forwarding",
        {ATTR_ENTITY_ID: CALL_STATE, "mode": mode, "destination": destination, **extra},
        blocking=True,
    )


async def test_extensions_appear_as_lines(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert state(hass, CALL_STATE) == "idle"
    assert state(hass, "sensor.workshop_call_state") == "idle"
    assert state(hass, "sensor.warehouse_call_state") == "idle"
    assert state(hass, "binary_sensor.reception_registration") == STATE_OFF


async def test_registration_live(
    hass: HomeAssistant, pbx: RealAsterisk, entry: MockConfigEntry
) -> None:
    phone = await pbx.register("201")
    await until(lambda: state(hass, "binary_sensor.reception_registration") == STATE_ON, 5)
    await phone.unregister()
    await until(lambda: state(hass, "binary_sensor.reception_registration") == STATE_OFF, 5)


async def test_a_call_rings_is_answered_and_ends(
    hass: HomeAssistant, pbx: RealAsterisk, entry: MockConfigEntry
) -> None:
    states = record(hass, CALL_STATE)
    events = record(hass, CALLS, "event_type")
    callers = record(hass, CALLS, "caller_name")
    phone = await pbx.register("201")
    await pbx.call_through("201", {phone: "answer"}, pause_ms=1500)
    await until(lambda: states[-1:] == ["idle"] and "ended" in events)
    assert states == ["ringing", "in_call", "idle"]
    assert events == ["incoming", "answered", "ended"]
    assert callers[0] == "Garage Moreau"
    assert state(hass, "sensor.reception_missed_calls") == "0"


async def test_an_unanswered_call_is_missed(
    hass: HomeAssistant, pbx: RealAsterisk, entry: MockConfigEntry
) -> None:
    events = record(hass, CALLS, "event_type")
    phone = await pbx.register("201")
    await pbx.call_through("201", {phone: "no_answer"}, "call_cancel", pause_ms=1500)
    await until(lambda: "missed" in events)
    assert events == ["incoming", "missed"]
    assert state(hass, "sensor.reception_missed_calls") == "1"
    assert state(hass, CALL_STATE) == "idle"


async def test_unconditional_forwarding_takes_a_real_call(
    hass: HomeAssistant, pbx: RealAsterisk, entry: MockConfigEntry
) -> None:
    await set_forwarding(hass, "always", "Workshop")
    assert await pbx.astdb("CF", "201") == "202"
    assert state(hass, "select.reception_call_forwarding_mode") == "always"
    reception_events = record(hass, CALLS, "event_type")
    workshop = await pbx.register("202")
    await pbx.call_through("201", {workshop: "answer"}, pause_ms=500)
    await until(lambda: "forwarded" in reception_events)
    assert state(hass, "sensor.reception_missed_calls") == "0"

    await hass.services.async_call(
        DOMAIN, "clear_forwarding", {ATTR_ENTITY_ID: CALL_STATE}, blocking=True
    )
    assert await pbx.astdb("CF", "201") is None


async def test_busy_forwarding_and_do_not_disturb(
    hass: HomeAssistant, pbx: RealAsterisk, entry: MockConfigEntry
) -> None:
    await set_forwarding(hass, "busy", "Workshop")
    assert await pbx.astdb("CFB", "201") == "202"
    reception = await pbx.register("201")
    workshop = await pbx.register("202")

    await pbx.call_through("201", {reception: "busy", workshop: "answer"}, pause_ms=500)

    # Do-not-disturb counts as busy: the reception phone is not even rung.
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: "switch.reception_do_not_disturb"}, blocking=True
    )
    assert await pbx.astdb("DND", "201") == "YES"
    await pbx.call_through("201", {workshop: "answer"}, pause_ms=500)


async def test_no_answer_forwarding_after_the_set_delay(
    hass: HomeAssistant, pbx: RealAsterisk, entry: MockConfigEntry
) -> None:
    await set_forwarding(hass, "no_answer", "Workshop", delay=2)
    assert await pbx.astdb("CFU", "201") == "202"
    assert await pbx.astdb("AMPUSER", "201/cfringtimer") == "2"
    assert state(hass, "number.reception_no_answer_delay") == "2"
    events = record(hass, CALLS, "event_type")
    reception = await pbx.register("201")
    workshop = await pbx.register("202")
    ringing = await reception.start("no_answer")
    answering = await workshop.start("answer")
    started = time.monotonic()
    caller = await pbx.call("201", pause_ms=500)
    # The reception phone rings, is given up after the delay, and the workshop answers.
    assert await finished(ringing) == 0, pbx.sipp_errors()
    # Behaviour, not speed: the forward cannot come before the ring time set.
    assert time.monotonic() - started >= 2
    assert await finished(caller) == 0, pbx.sipp_errors()
    assert await finished(answering) == 0, pbx.sipp_errors()
    await until(lambda: "forwarded" in events)
    assert "missed" not in events
    assert state(hass, "sensor.reception_missed_calls") == "0"


async def test_an_unreachable_phone_forwards_on_the_same_rule(
    hass: HomeAssistant, pbx: RealAsterisk, entry: MockConfigEntry
) -> None:
    """FreePBX's CFU, honoured by the shipped dialplan: no phone registered, straight on."""
    await set_forwarding(hass, "no_answer", "Workshop", delay=20)
    workshop = await pbx.register("202")
    await pbx.call_through("201", {workshop: "answer"}, pause_ms=500)
    assert await pbx.astdb("CFU", "201") == "202"


async def test_a_star_code_elsewhere_shows_live(
    hass: HomeAssistant, pbx: RealAsterisk, entry: MockConfigEntry
) -> None:
    # What FreePBX's *72 does: the key, then the lamp's device state.
    await pbx.cli("database put CF 201 00612345678")
    await pbx.cli("devstate change Custom:CF201 BUSY")
    await until(lambda: state(hass, "select.reception_call_forwarding_mode") == "always", 5)
    assert state(hass, "text.reception_forwarding_destination") == "+33612345678"

    # A busy rule written without a lamp shows at the next poll.
    await pbx.cli("database put CFB 202 201")
    await entry.runtime_data.coordinator.async_refresh()
    assert state(hass, "select.workshop_call_forwarding_mode") == "busy"


async def test_a_restart_loses_nothing(
    hass: HomeAssistant, pbx: RealAsterisk, entry: MockConfigEntry
) -> None:
    await set_forwarding(hass, "always", "+33612345678")
    assert await pbx.astdb("CF", "201") == "00612345678"
    await pbx.stop()
    await entry.runtime_data.coordinator.async_refresh()
    assert state(hass, CALL_STATE) == STATE_UNAVAILABLE
    assert state(hass, "binary_sensor.pbx_127_0_0_1_live_events") == STATE_OFF

    await pbx.start()
    # The event stream comes back by itself and reads everything again.
    await until(lambda: state(hass, CALL_STATE) == "idle", 30)
    assert state(hass, "select.reception_call_forwarding_mode") == "always"
    assert state(hass, "text.reception_forwarding_destination") == "+33612345678"
    assert await pbx.astdb("CF", "201") == "00612345678"


async def test_config_flow_against_the_real_manager(hass: HomeAssistant, pbx: RealAsterisk) -> None:
    hass.config.country = "FR"
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "asterisk"}
    )
    form = {key: value for key, value in pbx_data(pbx).items() if key != "provider"}

    async def submit(**changes: str) -> Any:
        return await hass.config_entries.flow.async_configure(
            result["flow_id"], {**form, **changes}
        )

    wrong = await submit(secret="not-the-secret")
    assert wrong["errors"] == {"base": "invalid_auth"}
    refused = await submit(port=str(free_port()))
    assert refused["errors"] == {"base": "cannot_connect"}
    limited = await submit(username=LIMITED_USER)
    assert limited["errors"] == {"base": "missing_permission"}
    assert limited["description_placeholders"]["permission"] == "call"

    created = await submit()
    assert created["type"] is FlowResultType.CREATE_ENTRY
    assert created["data"]["host"] == "127.0.0.1"
    await hass.async_block_till_done()
    assert state(hass, CALL_STATE) == "idle"
    config_entry = hass.config_entries.async_entries(DOMAIN)[0]
    await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
