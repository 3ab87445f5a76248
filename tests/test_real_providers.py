"""The integration on OVH and sipgate accounts: entities, services and the exact requests sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.components.select import SERVICE_SELECT_OPTION
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.components.text import DOMAIN as TEXT_DOMAIN
from homeassistant.components.text import SERVICE_SET_VALUE
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.centrex.const import DOMAIN, SCAN_INTERVAL

from .conftest import ovh_data, setup_entry, sipgate_data, wait_for
from .fakes import ovh, sipgate
from .fakes.base import Fault
from .fakes.ovh import FakeOvh
from .fakes.sipgate import FakeSipgate

OVH_MODE = "select.accueil_call_forwarding_mode"
OVH_DESTINATION = "text.accueil_forwarding_destination"
OVH_OPTIONS = f"/1.0/telephony/{ovh.BILLING_ACCOUNT}/line/0033184801200/options"
SIPGATE_MODE = "select.zentrale_call_forwarding_mode"


@pytest.fixture
async def ovh_entry(hass: HomeAssistant, ovh_fake: FakeOvh) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=f"ovh-{ovh.NICHANDLE}", data=ovh_data(ovh_fake)
    )
    return await setup_entry(hass, entry)


@pytest.fixture
async def sipgate_entry(hass: HomeAssistant, sipgate_fake: FakeSipgate) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"sipgate-{sipgate.MASTER_SIP_ID}",
        data=sipgate_data(sipgate_fake),
    )
    return await setup_entry(hass, entry)


async def _select(hass: HomeAssistant, entity_id: str, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, "option": option},
        blocking=True,
    )


READ_ONLY_OPTIONS = {"proxy", "voicemailExternalNumber", "voicemailInternalNumber"}


def _changes(before: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """Check that a PUT sends every writable option back, and return what it changes."""
    assert set(sent) == set(before) - READ_ONLY_OPTIONS
    return {key: value for key, value in sent.items() if before[key] != value}


async def test_ovh_lines_become_entities(hass: HomeAssistant, ovh_entry: MockConfigEntry) -> None:
    assert ovh_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(OVH_MODE).state == "no_answer"
    assert hass.states.get(OVH_DESTINATION).state == "Commercial"
    assert hass.states.get("binary_sensor.accueil_registration").state == STATE_ON
    assert hass.states.get("binary_sensor.commercial_registration").state == STATE_OFF
    assert hass.states.get("switch.accueil_do_not_disturb").state == STATE_OFF
    # OVH has no live-call endpoint: the call state is unknown until events arrive.
    assert hass.states.get("sensor.accueil_call_state").state == "unknown"
    assert hass.states.get("select.fax_call_forwarding_mode") is None


async def test_ovh_forward_always_sends_the_documented_request(
    hass: HomeAssistant, ovh_entry: MockConfigEntry, ovh_fake: FakeOvh
) -> None:
    before = dict(ovh_fake.lines["0033184801200"].options)
    await _select(hass, OVH_MODE, "always")

    (write,) = ovh_fake.writes("/options")
    assert (write.method, write.path) == ("PUT", OVH_OPTIONS)
    # Everything is sent back as read; only the forwards the mode changes differ.
    assert _changes(before, write.body) == {
        "forwardUnconditional": True,  # its nature was "number" already
        "forwardUnconditionalNumber": "0033184801210",  # the Commercial line, a colleague
        "forwardNoReply": False,
    }
    assert hass.states.get(OVH_MODE).state == "always"
    assert ovh_fake.lines["0033184801200"].options["forwardUnconditional"] is True


async def test_ovh_destination_and_do_not_disturb(
    hass: HomeAssistant, ovh_entry: MockConfigEntry, ovh_fake: FakeOvh
) -> None:
    before = dict(ovh_fake.lines["0033184801200"].options)
    await hass.services.async_call(
        TEXT_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: OVH_DESTINATION, "value": "06 12 34 56 78"},
        blocking=True,
    )
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_ON,
        {ATTR_ENTITY_ID: "switch.accueil_do_not_disturb"},
        blocking=True,
    )
    first, second = (r.body for r in ovh_fake.writes("/options"))
    assert _changes(before, first) == {"forwardNoReplyNumber": "0033612345678"}
    assert _changes(before | first, second) == {"doNotDisturb": True}
    assert hass.states.get(OVH_DESTINATION).state == "+33612345678"
    assert hass.states.get("switch.accueil_do_not_disturb").state == STATE_ON


async def test_provider_refusal_is_translated_and_changes_nothing(
    hass: HomeAssistant, ovh_entry: MockConfigEntry, ovh_fake: FakeOvh
) -> None:
    ovh_fake.inject(
        Fault(
            method="PUT",
            status=400,
            body={"class": "Client::BadRequest", "message": "Invalid phone number"},
        )
    )
    with pytest.raises(ServiceValidationError) as excinfo:
        await _select(hass, OVH_MODE, "always")
    assert excinfo.value.translation_key == "provider_rejected"
    assert hass.states.get(OVH_MODE).state == "no_answer"


async def test_provider_outage_during_a_write(
    hass: HomeAssistant, ovh_entry: MockConfigEntry, ovh_fake: FakeOvh
) -> None:
    ovh_fake.inject(Fault(method="PUT", status=503))
    with pytest.raises(HomeAssistantError) as excinfo:
        await _select(hass, OVH_MODE, "always")
    assert excinfo.value.translation_key == "communication_error"
    assert hass.states.get(OVH_MODE).state == "no_answer"


async def test_revoked_key_starts_reauthentication(
    hass: HomeAssistant,
    ovh_entry: MockConfigEntry,
    ovh_fake: FakeOvh,
    freezer: FrozenDateTimeFactory,
) -> None:
    ovh_fake.revoke()
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await wait_for(hass, lambda: bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN)))

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["step_id"] == "reauth_confirm"


async def test_revoked_key_on_a_write(
    hass: HomeAssistant, ovh_entry: MockConfigEntry, ovh_fake: FakeOvh
) -> None:
    ovh_fake.revoke()
    with pytest.raises(HomeAssistantError) as excinfo:
        await _select(hass, OVH_MODE, "always")
    assert excinfo.value.translation_key == "authentication_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_revoked_key_at_setup(hass: HomeAssistant, ovh_fake: FakeOvh) -> None:
    ovh_fake.revoke()
    entry = MockConfigEntry(domain=DOMAIN, unique_id="ovh-x", data=ovh_data(ovh_fake))
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert any(
        flow["context"]["source"] == SOURCE_REAUTH
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    )


async def test_sipgate_offers_only_what_it_can_do(
    hass: HomeAssistant, sipgate_entry: MockConfigEntry
) -> None:
    state = hass.states.get(SIPGATE_MODE)
    assert state.state == "no_answer"
    assert state.attributes["options"] == ["off", "always", "no_answer"]
    assert hass.states.get("sensor.zentrale_call_state").state == "idle"


async def test_sipgate_forward_always_sends_the_documented_request(
    hass: HomeAssistant, sipgate_entry: MockConfigEntry, sipgate_fake: FakeSipgate
) -> None:
    await _select(hass, SIPGATE_MODE, "always")

    assert [(r.method, r.path, r.body) for r in sipgate_fake.writes()] == [
        (
            "PUT",
            "/v2/w0/phonelines/p0/forwardings",
            {
                # The no-answer entry is kept (switched off) for when the mode
                # changes back; the unconditional one is added after it.
                "forwardings": [
                    {"destination": "4930123456710", "timeout": 20, "active": False},
                    {"destination": "4930123456710", "timeout": 0, "active": True},
                ]
            },
        )
    ]
    assert hass.states.get(SIPGATE_MODE).state == "always"


async def test_sipgate_refuses_a_busy_forward_without_a_request(
    hass: HomeAssistant, sipgate_entry: MockConfigEntry, sipgate_fake: FakeSipgate
) -> None:
    with pytest.raises(ServiceValidationError):
        await _select(hass, SIPGATE_MODE, "busy")
    assert sipgate_fake.writes() == []


async def test_a_change_we_refuse_says_so(
    hass: HomeAssistant, sipgate_entry: MockConfigEntry, sipgate_fake: FakeSipgate
) -> None:
    # Three entries, none free for an immediate forward: a fourth is not possible.
    sipgate_fake.forwardings["p0"] = [
        {"alias": "Accounting group", "destination": "g1", "timeout": 15, "active": True},
        {"alias": "Lager", "destination": "g7", "timeout": 0, "active": False},
        {"alias": "", "destination": "4930123456710", "timeout": 30, "active": False},
    ]
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_forwarding",
            {ATTR_ENTITY_ID: SIPGATE_MODE, "mode": "always", "destination": "+33612345678"},
            blocking=True,
        )
    assert sipgate_fake.writes() == []
    # Refused by us, before sending, and the message says so (not "the provider refused").
    assert err.value.translation_key == "request_not_sent"
    assert "three" in err.value.translation_placeholders["reason"]
