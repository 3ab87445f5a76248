"""The asterisk driver against the fake manager interface: FreePBX, events, faults.

What a real Asterisk will not do on demand (drop the connection, send
garbage, stall, refuse a class) and FreePBX's own keys are tested here; the
fake's answers are held to the real server's by the first test when one is
available.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.centrex.api import (
    VOICEMAIL,
    CentrexInvalidRequestError,
    ForwardRule,
    create_provider,
    line_destination,
)
from custom_components.centrex.api.ami import AmiClient
from custom_components.centrex.api.asterisk_numbers import DialPlan
from custom_components.centrex.const import DOMAIN

from .conftest import asterisk_data, loaded, settle, state, wait_for
from .fakes.ami import SECRET, USERNAME, FakeAmi
from .pbx import MANAGER_SECRET, MANAGER_USER, RealAsterisk, find_asterisk, skip_reason

EXTENSIONS = frozenset({"201", "202"})


def _data(fake: FakeAmi, **changes: str) -> dict[str, str]:
    return {**asterisk_data(fake.port, USERNAME, SECRET, flavour="auto"), **changes}


def freepbx() -> FakeAmi:
    """A FreePBX: extensions in AMPUSER, a device each, one forward set with a star code."""
    fake = FakeAmi.office()
    fake.astdb.update(
        {
            "AMPUSER/201/cidname": "Accueil",
            "AMPUSER/201/device": "201",
            "AMPUSER/201/ringtimer": "15",
            "AMPUSER/202/cidname": "Atelier",
            "AMPUSER/202/device": "202",
            "DEVICE/201/dial": "SIP/201",
            "DEVICE/202/dial": "SIP/202",
            "CFB/202": "201",
        }
    )
    return fake


@pytest.fixture
async def fake(socket_enabled: None) -> AsyncGenerator[FakeAmi]:
    server = freepbx()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def entry(hass: HomeAssistant, fake: FakeAmi) -> AsyncGenerator[MockConfigEntry]:
    async with loaded(hass, MockConfigEntry(domain=DOMAIN, data=_data(fake))) as config_entry:
        yield config_entry


async def _until(hass: HomeAssistant, entity_id: str, value: str) -> None:
    await wait_for(hass, lambda: state(hass, entity_id) == value)


@pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")
async def test_the_fake_answers_as_the_real_server(socket_enabled: None) -> None:
    """Replay the driver's actions on both: the same keys, in the same kind of answer."""
    real = RealAsterisk(str(find_asterisk()))
    fake = FakeAmi.office()
    await real.start()
    await fake.start()
    actions: list[tuple[str, dict[str, str]]] = [
        ("CoreSettings", {}),
        ("Getvar", {"Variable": "CENTREXCHECK"}),
        ("DBPut", {"Family": "CF", "Key": "201", "Val": "202"}),
        ("DBGet", {"Family": "CF", "Key": "201"}),
        ("DBGetTree", {"Family": "CF"}),
        ("DBGetTree", {"Family": "CF", "Key": "201"}),
        ("DBDel", {"Family": "CF", "Key": "201"}),
        ("DBDel", {"Family": "CF", "Key": "201"}),
        ("DBGet", {"Family": "CF", "Key": "201"}),
        ("SIPpeers", {}),
        ("Setvar", {"Variable": "DEVICE_STATE(Custom:CF201)", "Value": "BUSY"}),
        ("CoreShowChannels", {}),
        ("PJSIPShowEndpoints", {}),
    ]
    try:
        answers = []
        for port, user, secret in (
            (real.ami_port, MANAGER_USER, MANAGER_SECRET),
            (fake.port, USERNAME, SECRET),
        ):
            client = AmiClient("127.0.0.1", port, user, secret)
            await client.async_connect()
            answers.append([await _shape(client, action, fields) for action, fields in actions])
            await client.async_close()
        for action, real_answer, fake_answer in zip(actions, *answers, strict=True):
            assert fake_answer <= real_answer, action  # the fake says nothing Asterisk does not
            assert real_answer[0] == fake_answer[0], action
    finally:
        await fake.close()
        await real.stop()
        real.cleanup()


async def _shape(client: AmiClient, action: str, fields: dict[str, str]) -> Any:
    """Return an answer's kind and, for each message, its event name and keys."""
    try:
        messages = await client.async_action(action, fields)
    except Exception as err:  # noqa: BLE001 - the kind of refusal is what is compared
        return (type(err).__name__, str(err).split(":")[1].split(".")[0].strip())
    keys = {key for message in messages for key in message if key != "ActionID"}
    events = tuple(message.get("Event", message.get("Response")) for message in messages)
    return ("answer", events[:1] + events[-1:], frozenset(keys))


async def test_freepbx_extensions_names_and_a_star_code_forward(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    assert state(hass, "sensor.accueil_call_state") == "idle"
    assert state(hass, "binary_sensor.accueil_registration") == STATE_ON
    assert state(hass, "binary_sensor.atelier_registration") == STATE_OFF
    assert state(hass, "select.atelier_call_forwarding_mode") == "busy"
    assert state(hass, "select.atelier_forward_to") == "Accueil"
    # The extension's ring time stands for the delay until a forward's own is set.
    assert state(hass, "number.accueil_no_answer_delay") == "15"
    # FreePBX's CFU is one rule for no answer and unreachable: no separate switch.
    assert hass.states.get("switch.accueil_forward_when_unreachable") is None


async def test_a_write_sets_the_keys_and_the_lamps_freepbx_sets(
    hass: HomeAssistant, fake: FakeAmi, entry: MockConfigEntry
) -> None:
    changes: list[dict[str, Any]] = []
    hass.bus.async_listen(f"{DOMAIN}_forwarding_changed", lambda event: changes.append(event.data))
    await hass.services.async_call(
        DOMAIN,
        "set_forwarding",
        {
            ATTR_ENTITY_ID: "sensor.accueil_call_state",
            "mode": "always",
            "destination": "+4930123456789",
        },
        blocking=True,
    )
    # Germany from France: the international prefix, behind the outside-line prefix.
    assert fake.astdb["CF/201"] == "0004930123456789"
    assert fake.device_states == {"Custom:CF201": "BUSY", "Custom:DEVCF201": "BUSY"}
    # The lamps we set come back as device-state events: not news from elsewhere.
    await fake.send_event(Event="DeviceStateChange", Device="Custom:CF201", State="BUSY")
    await settle(hass)
    assert [change.get("source") for change in changes] == ["home_assistant"]

    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: "switch.accueil_do_not_disturb"}, blocking=True
    )
    assert fake.astdb["DND/201"] == "YES"
    assert fake.device_states["Custom:DND201"] == "BUSY"
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: "switch.accueil_do_not_disturb"}, blocking=True
    )
    assert "DND/201" not in fake.astdb
    assert fake.device_states["Custom:DEVDND201"] == "NOT_INUSE"


async def test_what_the_model_cannot_express_is_left_alone(
    hass: HomeAssistant, fake: FakeAmi
) -> None:
    fake.astdb["CFU/201"] = "600"  # a ring group: no line, no number
    config_entry = MockConfigEntry(domain=DOMAIN, data=_data(fake))
    config_entry.add_to_hass(hass)
    hass.config.country = "FR"
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, "select.accueil_call_forwarding_mode") == "no_answer"
    del fake.actions[:]
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: "number.accueil_no_answer_delay", "value": 25},
        blocking=True,
    )
    assert fake.astdb["CFU/201"] == "600"
    assert fake.astdb["AMPUSER/201/cfringtimer"] == "25"
    assert fake.astdb["AMPUSER/201/ringtimer"] == "15"
    writes = [a for a in fake.actions if a.get("Action") in {"DBPut", "DBDel", "Setvar"}]
    assert writes == [
        {
            "Action": "DBPut",
            "ActionID": writes[0]["ActionID"],
            "Family": "AMPUSER",
            "Key": "201/cfringtimer",
            "Val": "25",
        }
    ]
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_live_calls_registration_and_a_forward_that_is_not_missed(
    hass: HomeAssistant, fake: FakeAmi, entry: MockConfigEntry
) -> None:
    fake.astdb["CFU/201"] = "202"
    await entry.runtime_data.coordinator.async_refresh()
    events: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            event.data["entity_id"] == "event.accueil_calls"
            and events.append(event.data["new_state"].attributes.get("event_type"))
        ),
    )
    ring = {"DestChannel": "SIP/201-0000000a", "DestUniqueid": "1.10", "DestLinkedid": "1.9"}
    await fake.send_event(Event="DialBegin", CallerIDNum="0612345699", **ring)
    await _until(hass, "sensor.accueil_call_state", "ringing")
    await fake.send_event(Event="DialEnd", DialStatus="NOANSWER", **ring)
    await _until(hass, "sensor.accueil_call_state", "idle")
    assert [event for event in events if event] == ["incoming", "forwarded"]
    assert state(hass, "sensor.accueil_missed_calls") == "0"

    await fake.send_event(Event="PeerStatus", Peer="SIP/202", PeerStatus="Registered")
    await _until(hass, "binary_sensor.atelier_registration", STATE_ON)
    await fake.send_event(Event="PeerStatus", Peer="SIP/201", PeerStatus="Unreachable")
    await _until(hass, "binary_sensor.accueil_registration", STATE_OFF)


async def test_a_star_code_on_the_phone_is_read_again(
    hass: HomeAssistant, fake: FakeAmi, entry: MockConfigEntry
) -> None:
    fake.astdb["CFB/201"] = "00612345678"  # *90 on the phone: no lamp for busy
    await fake.send_event(Event="Hangup", Channel="SIP/201-00000001", Exten="*90", Uniqueid="2.1")
    await _until(hass, "select.accueil_call_forwarding_mode", "busy")
    assert state(hass, "text.accueil_forwarding_destination") == "+33612345678"


async def test_a_lost_connection_comes_back_and_reads_everything(
    hass: HomeAssistant, fake: FakeAmi, entry: MockConfigEntry
) -> None:
    live = "binary_sensor.pbx_127_0_0_1_live_events"
    await _until(hass, live, STATE_ON)
    fake.astdb["DND/201"] = "YES"  # changed while we were away
    fake.drop()
    await _until(hass, live, STATE_OFF)
    # The stream retries after a second, then reads everything again.
    await asyncio.sleep(1.2)
    await _until(hass, live, STATE_ON)
    await _until(hass, "switch.accueil_do_not_disturb", STATE_ON)


async def test_garbage_ends_the_connection_and_a_new_one_reads_right(
    hass: HomeAssistant, fake: FakeAmi, entry: MockConfigEntry
) -> None:
    logins = sum(action["Action"] == "Login" for action in fake.actions)
    fake.garbage = b"this is not AMI\r\n\r\n"
    fake.astdb["DND/202"] = "YES"
    await entry.runtime_data.coordinator.async_refresh()
    assert sum(action["Action"] == "Login" for action in fake.actions) == logins + 1
    assert state(hass, "switch.atelier_do_not_disturb") == STATE_ON


async def test_a_stalled_pbx_is_unavailable_until_it_answers(
    hass: HomeAssistant, fake: FakeAmi, entry: MockConfigEntry
) -> None:
    driver = entry.runtime_data.provider
    driver._timeout = 0.2
    await driver.async_close()
    fake.delay = 0.5
    await entry.runtime_data.coordinator.async_refresh()
    assert state(hass, "sensor.accueil_call_state") == STATE_UNAVAILABLE
    fake.delay = 0
    await entry.runtime_data.coordinator.async_refresh()
    assert state(hass, "sensor.accueil_call_state") == "idle"


async def test_a_missing_class_at_write_time_is_told(
    hass: HomeAssistant, fake: FakeAmi, entry: MockConfigEntry
) -> None:
    fake.denied = {"DBPut"}
    with pytest.raises(HomeAssistantError) as refused:
        await hass.services.async_call(
            "switch", "turn_on", {ATTR_ENTITY_ID: "switch.accueil_do_not_disturb"}, blocking=True
        )
    assert refused.value.translation_key == "permission_denied"
    assert "DND/201" not in fake.astdb


async def test_a_refused_secret_at_setup_asks_for_new_credentials(
    hass: HomeAssistant, fake: FakeAmi
) -> None:
    config_entry = MockConfigEntry(domain=DOMAIN, data=_data(fake, secret="old"))
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


@pytest.mark.parametrize(
    ("dialled", "expected"),
    [
        ("202", ForwardRule(active=True, destination=line_destination("202"))),
        ("*201", ForwardRule(active=True, destination=VOICEMAIL)),
        ("00612345678", ForwardRule(active=True, destination="+33612345678")),
        ("0612345678", ForwardRule(active=True, destination="+33612345678")),
        ("0004930123456789", ForwardRule(active=True, destination="+4930123456789")),
        ("600", ForwardRule(active=True, destination="other:600", label="600")),
    ],
)
def test_destinations_as_the_pbx_dials_them(dialled: str, expected: ForwardRule) -> None:
    plan = DialPlan(outside_prefix="0", country="FR")
    rule = plan.read("201", dialled, EXTENSIONS)
    assert rule == expected
    assert expected.destination is not None
    if dialled != "0612345678":  # written back the one way the PBX dials it
        assert plan.dial("201", expected.destination, EXTENSIONS) == dialled


@pytest.mark.parametrize("destination", ["line:201", "line:299", "other:60;0", "other:"])
def test_destinations_the_pbx_cannot_dial(destination: str) -> None:
    with pytest.raises(CentrexInvalidRequestError):
        DialPlan("0", "FR").dial("201", destination, EXTENSIONS)


async def test_tls_modes_build_their_contexts(socket_enabled: None) -> None:
    """The secure modes try TLS (the plain fake refuses it): never a silent plain connection."""
    fake = FakeAmi.office()
    await fake.start()
    try:
        async with aiohttp.ClientSession() as session:
            for mode in ("on", "self_signed"):
                config = _data(fake, tls=mode)
                provider = create_provider("asterisk", session, config)
                with pytest.raises(Exception, match="manager"):
                    await provider.async_get_account()
                await provider.async_close()
    finally:
        await fake.close()


async def test_reconfigure_to_a_new_address_is_the_same_pbx(
    hass: HomeAssistant, fake: FakeAmi
) -> None:
    fake.astdb["CENTREX/account"] = "asterisk-0123456789ab"
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="asterisk-0123456789ab",
        data=_data(fake, host="192.0.2.1"),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    form = {key: value for key, value in _data(fake).items() if key != "provider"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["host"] == "127.0.0.1"
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reauth_with_the_new_secret(hass: HomeAssistant, fake: FakeAmi) -> None:
    fake.astdb["CENTREX/account"] = "asterisk-0123456789ab"
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="asterisk-0123456789ab", data=_data(fake, secret="old")
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    form = {key: value for key, value in _data(fake).items() if key != "provider"}
    wrong = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, "secret": "still-wrong"}
    )
    assert wrong["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["reason"] == "reauth_successful"
    assert entry.data["secret"] == SECRET
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)


async def test_no_secret_in_logs_errors_or_diagnostics(
    hass: HomeAssistant,
    fake: FakeAmi,
    entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    hass_client: ClientSessionGenerator,
) -> None:
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []
    coordinator = entry.runtime_data.coordinator
    for fault in ("garbage", "denied", "drop"):
        if fault == "garbage":
            fake.garbage = b"\x00\xff not AMI\r\n\r\n"
        elif fault == "denied":
            fake.denied = {"DBPut", "DBGetTree"}
        else:
            fake.denied = set()
            fake.drop()
        try:
            await hass.services.async_call(
                "switch",
                "turn_on",
                {ATTR_ENTITY_ID: "switch.accueil_do_not_disturb"},
                blocking=True,
            )
        except HomeAssistantError as err:
            messages += [str(err), repr(err.__cause__)]
        await coordinator.async_refresh()
    fake.revoke()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    messages.append(json.dumps(await get_diagnostics_for_config_entry(hass, hass_client, entry)))
    assert len(messages) > 2
    assert "centrex" in caplog.text
    assert SECRET not in caplog.text
    assert all(SECRET not in message for message in messages)
    # The manager user says who may control the PBX: not in diagnostics either.
    assert f'"{USERNAME}"' not in messages[-1]
