"""Live events: OVH's event stream, sipgate's webhooks and the demo's simulated calls."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.centrex.const import DOMAIN, SCAN_INTERVAL

from .conftest import ovh_data, settle, setup_entry, sipgate_data, wait_for
from .fakes.base import Fault
from .fakes.ovh import FakeOvh
from .fakes.sipgate import PUSH_TEST_PUBLIC_KEY, FakeSipgate, SipgateWebhookSender, sign

ACCUEIL = "0033184801200"
OVH_STATE = "sensor.accueil_call_state"
OVH_EVENT = "event.accueil_calls"
OVH_MISSED = "sensor.accueil_missed_calls"
OVH_PUSH = "binary_sensor.ovhcloud_telecom_dd1234_ovh_live_events"


def _state(hass: HomeAssistant, entity_id: str) -> str:
    return hass.states.get(entity_id).state


async def _ovh(hass: HomeAssistant, fake: FakeOvh) -> MockConfigEntry:
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(fake))
    )
    await wait_for(hass, lambda: fake.connected_sessions() > 0)
    await wait_for(hass, lambda: _state(hass, OVH_PUSH) == STATE_ON)
    return entry


async def test_ovh_call_events_drive_states_and_event_entity(
    hass: HomeAssistant, ovh_fake: FakeOvh
) -> None:
    await _ovh(hass, ovh_fake)
    # With live events connected, a line without calls is idle (not unknown).
    assert _state(hass, OVH_STATE) == "idle"

    ovh_fake.push(ACCUEIL, "start_ringing", "call-1", calling="0033612345699")
    await wait_for(hass, lambda: _state(hass, OVH_STATE) == "ringing")
    event = hass.states.get(OVH_EVENT)
    assert event.attributes["event_type"] == "incoming"
    assert event.attributes["caller"] == "+33612345699"

    ovh_fake.push(ACCUEIL, "start_calling", "call-1")
    await wait_for(hass, lambda: _state(hass, OVH_STATE) == "in_call")
    ovh_fake.push(ACCUEIL, "end_ringing", "call-1")  # ringing stopped because it was answered
    ovh_fake.push(ACCUEIL, "end_calling", "call-1")
    await wait_for(hass, lambda: _state(hass, OVH_STATE) == "idle")
    assert hass.states.get(OVH_EVENT).attributes["event_type"] == "ended"
    assert _state(hass, OVH_MISSED) == "0"


async def test_missed_calls_are_counted_and_can_be_marked_seen(
    hass: HomeAssistant, ovh_fake: FakeOvh
) -> None:
    await _ovh(hass, ovh_fake)
    for call in ("call-2", "call-3"):
        ovh_fake.push(ACCUEIL, "start_ringing", call)
        ovh_fake.push(ACCUEIL, "end_ringing", call)
    await wait_for(hass, lambda: _state(hass, OVH_MISSED) == "2")
    assert hass.states.get(OVH_EVENT).attributes["event_type"] == "missed"
    assert _state(hass, OVH_STATE) == "idle"

    await hass.services.async_call(
        DOMAIN, "mark_missed_calls_seen", {ATTR_ENTITY_ID: OVH_MISSED}, blocking=True
    )
    assert _state(hass, OVH_MISSED) == "0"


async def test_duplicate_and_out_of_order_events(hass: HomeAssistant, ovh_fake: FakeOvh) -> None:
    await _ovh(hass, ovh_fake)
    fired: list[str] = []
    hass.bus.async_listen("state_changed", lambda e: fired.append(e.data["entity_id"]))

    # The end of a call arrives before its start: the late start is ignored.
    ovh_fake.push(ACCUEIL, "end_calling", "call-4")
    ovh_fake.push(ACCUEIL, "start_ringing", "call-4")
    # A duplicated start fires one event only.
    ovh_fake.push(ACCUEIL, "start_ringing", "call-5")
    ovh_fake.push(ACCUEIL, "start_ringing", "call-5")
    await wait_for(hass, lambda: _state(hass, OVH_STATE) == "ringing")
    await settle(hass)
    assert fired.count(OVH_EVENT) == 2  # ended (call-4), incoming (call-5)
    assert hass.states.get(OVH_EVENT).attributes["call_id"] == "call-5"


async def test_a_lost_end_does_not_leave_the_line_ringing(
    hass: HomeAssistant, ovh_fake: FakeOvh, freezer: FrozenDateTimeFactory
) -> None:
    await _ovh(hass, ovh_fake)
    ovh_fake.push(ACCUEIL, "start_ringing", "call-6")
    await wait_for(hass, lambda: _state(hass, OVH_STATE) == "ringing")
    freezer.tick(timedelta(minutes=4))
    async_fire_time_changed(hass)
    # Four minutes at once also times out the long poll: let the stream reconnect.
    for _ in range(10):
        if _state(hass, OVH_STATE) == "idle":
            break
        freezer.tick(timedelta(seconds=2))
        async_fire_time_changed(hass)
        await settle(hass, 50)
    assert _state(hass, OVH_STATE) == "idle"


async def test_expired_session_is_recreated(hass: HomeAssistant, ovh_fake: FakeOvh) -> None:
    await _ovh(hass, ovh_fake)
    ovh_fake.drop_sessions()
    await wait_for(hass, lambda: ovh_fake.connected_sessions() > 0)
    ovh_fake.push(ACCUEIL, "start_ringing", "call-7")
    await wait_for(hass, lambda: _state(hass, OVH_STATE) == "ringing")
    assert _state(hass, OVH_PUSH) == STATE_ON


async def test_dropped_stream_falls_back_to_polling_and_recovers(
    hass: HomeAssistant,
    ovh_fake: FakeOvh,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await _ovh(hass, ovh_fake)
    ovh_fake.inject(Fault(path="^/v2/", status=503, times=3))
    ovh_fake.drop_sessions()
    await wait_for(hass, lambda: _state(hass, OVH_PUSH) == STATE_OFF)
    # Polling goes on: a change made in OVH's portal is still seen.
    ovh_fake.lines[ACCUEIL].options["doNotDisturb"] = True
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await wait_for(hass, lambda: _state(hass, "switch.accueil_do_not_disturb") == STATE_ON)

    # Retries back off (1 s, 2 s, 4 s...) until the events server answers again.
    for _ in range(4):
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        await settle(hass, 50)
    await wait_for(hass, lambda: _state(hass, OVH_PUSH) == STATE_ON)
    assert caplog.text.count("Live events from OVHcloud Telecom dd1234-ovh stopped") == 1
    assert caplog.text.count("Live events from OVHcloud Telecom dd1234-ovh are back") == 1


async def test_demo_simulated_calls_fire_events(
    hass: HomeAssistant, init_integration: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    lines = ("reception", "workshop", "assembly_line", "warehouse", "sales_claire")
    seen: set[str] = set()
    for _ in range(60):
        freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        for line in lines:
            event_type = hass.states.get(f"event.{line}_calls").attributes.get("event_type")
            if event_type:
                seen.add(event_type)
    assert seen == {"incoming", "answered", "missed", "ended"}
    missed = sum(int(_state(hass, f"sensor.{line}_missed_calls")) for line in lines)
    assert missed > 0
    assert _state(hass, "binary_sensor.atelier_durand_demo_live_events") == STATE_ON


# -- sipgate webhooks ---------------------------------------------------------

ZENTRALE_STATE = "sensor.zentrale_call_state"
ZENTRALE_EVENT = "event.zentrale_calls"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _form(**fields: Any) -> bytes:
    return urlencode(fields, doseq=True).encode()


async def _sipgate(
    hass: HomeAssistant, fake: FakeSipgate, **extra: str
) -> tuple[MockConfigEntry, str]:
    """Set up the sipgate fake's account; its webhooks are checked with the test key."""
    data = {**sipgate_data(fake), "webhook_public_key": PUSH_TEST_PUBLIC_KEY, **extra}
    entry = await setup_entry(hass, MockConfigEntry(domain=DOMAIN, unique_id="sg", data=data))
    return entry, f"/api/webhook/{entry.data['webhook_id']}"


async def _post(client: Any, url: str, body: bytes) -> Any:
    """Send a webhook as sipgate does: form-encoded and signed."""
    return await client.post(url, data=body, headers={**FORM, "X-Sipgate-Signature": sign(body)})


NEW_CALL = {
    "event": "newCall",
    "direction": "in",
    "from": "4917612345678",
    "to": "4930123456700",
    "callId": "SG-1",
    "user[]": ["Claire Martin"],
    "userId[]": ["w0"],
}


async def test_sipgate_webhooks_drive_call_state(
    hass: HomeAssistant, sipgate_fake: FakeSipgate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    entry, url = await _sipgate(hass, sipgate_fake)
    assert len(entry.data["webhook_id"]) == 64
    client = await hass_client_no_auth()

    response = await _post(client, url, _form(**NEW_CALL))
    assert response.status == 200
    reply = await response.text()
    assert reply.startswith('<?xml version="1.0" encoding="UTF-8"?><Response onAnswer="')
    assert f'onHangup="http://example.local:8123{url}"' in reply or url in reply
    assert _state(hass, ZENTRALE_STATE) == "ringing"
    event = hass.states.get(ZENTRALE_EVENT)
    assert (event.attributes["event_type"], event.attributes["caller"]) == (
        "incoming",
        "+4917612345678",
    )
    assert _state(hass, "binary_sensor.sipgate_becker_metallbau_gmbh_live_events") == STATE_ON

    await _post(client, url, _form(event="answer", callId="SG-1", answeringNumber="4930123456700"))
    assert _state(hass, ZENTRALE_STATE) == "in_call"
    await _post(client, url, _form(event="hangup", callId="SG-1", cause="normalClearing"))
    assert _state(hass, ZENTRALE_STATE) == "idle"
    assert hass.states.get(ZENTRALE_EVENT).attributes["event_type"] == "ended"

    await _post(client, url, _form(**{**NEW_CALL, "callId": "SG-2"}))
    await _post(client, url, _form(event="hangup", callId="SG-2", cause="cancel"))
    assert _state(hass, "sensor.zentrale_missed_calls") == "1"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"event=newCall", 400),  # no call id
        (b"%%%", 400),
        (b"\xff\xfe", 400),
        (_form(event="dance", callId="X"), 400),
        (b"event=newCall&callId=" + b"A" * 70_000, 413),
    ],
)
async def test_malformed_webhooks_change_nothing(
    hass: HomeAssistant,
    sipgate_fake: FakeSipgate,
    hass_client_no_auth: ClientSessionGenerator,
    body: bytes,
    status: int,
) -> None:
    _, url = await _sipgate(hass, sipgate_fake)
    client = await hass_client_no_auth()
    before = hass.states.get(ZENTRALE_EVENT).state
    response = await _post(client, url, body)  # signed: only the content is wrong
    assert response.status == status
    assert _state(hass, ZENTRALE_STATE) == "idle"
    assert hass.states.get(ZENTRALE_EVENT).state == before


async def test_unsigned_or_forged_webhooks_are_refused_out_of_the_box(
    hass: HomeAssistant, sipgate_fake: FakeSipgate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    # No key configured: sipgate's published key checks every request.
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="sg", data=sipgate_data(sipgate_fake))
    )
    url = f"/api/webhook/{entry.data['webhook_id']}"
    client = await hass_client_no_auth()
    body = _form(**NEW_CALL)
    # Unsigned, forged, and signed with a key that is not sipgate's.
    for headers in (
        {},
        {"X-Sipgate-Signature": "bm90IGEgc2lnbmF0dXJl"},
        {"X-Sipgate-Signature": sign(body)},
    ):
        response = await client.post(url, data=body, headers={**FORM, **headers})
        assert response.status == 401
        assert _state(hass, ZENTRALE_STATE) == "idle"


async def test_a_group_call_of_fifteen_users(
    hass: HomeAssistant, sipgate_fake: FakeSipgate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    _, url = await _sipgate(hass, sipgate_fake)
    sender = SipgateWebhookSender(await hass_client_no_auth(), url)
    users = [("w0", "Claire Martin")] + [(f"w{n}", f"Kollege {n}") for n in range(2, 16)]
    # 15 users ring: 3 repeated fields each, plus the call's own (over 50 fields).
    assert await sender.new_call("SG-G", to="4930123456799", users=users) == 200
    assert _state(hass, ZENTRALE_STATE) == "ringing"
    await sender.answer("SG-G")
    assert _state(hass, ZENTRALE_STATE) == "in_call"
    await sender.hangup("SG-G")
    assert _state(hass, ZENTRALE_STATE) == "idle"
    assert hass.states.get(ZENTRALE_EVENT).attributes["event_type"] == "ended"


async def test_a_forwarded_call_is_not_missed(
    hass: HomeAssistant, sipgate_fake: FakeSipgate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    _, url = await _sipgate(hass, sipgate_fake)
    sender = SipgateWebhookSender(await hass_client_no_auth(), url)
    # sipgate's own account of a forward: hangup(forwarded) of the first leg,
    # then a new leg to the target that names the first in origCallId.
    await sender.new_call("SG-F1")
    await sender.hangup("SG-F1", cause="forwarded")
    assert hass.states.get(ZENTRALE_EVENT).attributes["event_type"] == "forwarded"
    assert _state(hass, ZENTRALE_STATE) == "idle"
    await sender.new_call(
        "SG-F2", to="4930123456710", users=[("w1", "Jonas Becker")], original_call_id="SG-F1"
    )
    event = hass.states.get("event.vertrieb_jonas_calls")
    assert (event.attributes["event_type"], event.attributes["original_call_id"]) == (
        "incoming",
        "SG-F1",
    )
    await sender.answer("SG-F2")
    await sender.hangup("SG-F2")
    assert _state(hass, "sensor.zentrale_missed_calls") == "0"
    assert _state(hass, "sensor.vertrieb_jonas_missed_calls") == "0"
    assert hass.states.get("event.vertrieb_jonas_calls").attributes["event_type"] == "ended"


async def test_unreached_webhook_raises_a_repair_issue(
    hass: HomeAssistant,
    sipgate_fake: FakeSipgate,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    # The token may not read sipgate.io's settings: calls polling sees but no
    # webhook announced are then the only clue.
    sipgate_fake.inject(Fault(path="/settings/sipgateio", status=403, times=1000))
    entry, url = await _sipgate(hass, sipgate_fake)
    await settle(hass)
    assert entry.runtime_data.calls.webhook_target_known is False
    sipgate_fake.calls = [
        {
            "callId": "X",
            "muted": False,
            "recording": False,
            "hold": False,
            "participants": [
                {
                    "participantId": "1",
                    "phoneNumber": "4930123456700",
                    "muted": False,
                    "hold": False,
                    "owner": True,
                }
            ],
        }
    ]
    for _ in range(3):
        freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
        async_fire_time_changed(hass)
        await settle(hass)
    issue_id = f"webhook_unreachable_{entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert entry.data["webhook_id"] in issue.translation_placeholders["url"]
    assert _state(hass, "binary_sensor.sipgate_becker_metallbau_gmbh_live_events") == STATE_OFF
    assert _state(hass, ZENTRALE_STATE) == "in_call"  # polling still tells

    client = await hass_client_no_auth()
    await _post(client, url, _form(**{**NEW_CALL, "callId": "SG-9"}))
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_sipgate_sender_follows_the_reply(
    hass: HomeAssistant,
    sipgate_fake: FakeSipgate,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    _, url = await _sipgate(hass, sipgate_fake)
    sender = SipgateWebhookSender(await hass_client_no_auth(), url)

    # A duplicated answer changes nothing more.
    assert await sender.new_call("SG-10") == 200
    await sender.answer("SG-10", duplicate=True)
    assert _state(hass, ZENTRALE_STATE) == "in_call"
    await sender.hangup("SG-10")
    assert _state(hass, ZENTRALE_STATE) == "idle"

    # Reordered: the hangup overtakes the answer; the late answer is ignored.
    await sender.new_call("SG-11")
    await sender.hangup("SG-11", cause="cancel")
    await sender.answer("SG-11")
    assert _state(hass, ZENTRALE_STATE) == "idle"
    assert _state(hass, "sensor.zentrale_missed_calls") == "1"

    # Dropped: the hangup never comes; polling (no established call) ends the call.
    await sender.new_call("SG-12")
    await sender.answer("SG-12")
    assert _state(hass, ZENTRALE_STATE) == "in_call"
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await wait_for(hass, lambda: _state(hass, ZENTRALE_STATE) == "idle")
