"""What the specifications offer that users ask for: voicemail counts, anonymous calls,
hiding one's number, and missed calls without a public URL (sipgate's history)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.centrex.const import DOMAIN, SCAN_INTERVAL

from .conftest import ovh_data, settle, setup_entry, sipgate_data, switch, wait_for
from .fakes.ovh import FakeOvh
from .fakes.sipgate import FakeSipgate

ACCUEIL = "0033184801200"


async def test_ovh_anonymous_calls_hidden_number_and_voicemail(
    hass: HomeAssistant, ovh_fake: FakeOvh
) -> None:
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    assert hass.states.get("sensor.accueil_new_voicemail_messages").state == "2"  # two in the inbox
    assert hass.states.get("sensor.atelier_new_voicemail_messages").state == "0"
    options = ovh_fake.lines[ACCUEIL].options
    before = dict(options)

    await switch(hass, "switch.accueil_reject_anonymous_calls", on=True)
    await switch(hass, "switch.accueil_hide_my_number", on=True)
    assert hass.states.get("switch.accueil_reject_anonymous_calls").state == STATE_ON
    assert hass.states.get("switch.accueil_hide_my_number").state == STATE_ON
    assert options["anonymousCallRejection"] is True
    assert options["identificationRestriction"] is True
    # Nothing else changed; both writes sent the options back as read.
    changed = {key for key, value in options.items() if before[key] != value}
    assert changed == {"anonymousCallRejection", "identificationRestriction"}

    # Changed with a star code (*31#): polling shows it.
    options["identificationRestriction"] = False
    await hass.config_entries.async_reload(hass.config_entries.async_entries(DOMAIN)[0].entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("switch.accueil_hide_my_number").state == STATE_OFF


async def test_sipgate_anonymous_calls_and_voicemail_from_the_history(
    hass: HomeAssistant, sipgate_fake: FakeSipgate
) -> None:
    sipgate_fake.history = [
        _history("1", "VOICEMAIL", "INCOMING", "p0", read=False),
        _history("2", "VOICEMAIL", "INCOMING", "p0", read=True),
        _history("3", "VOICEMAIL", "INCOMING", "p1", read=False),
    ]
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="sg", data=sipgate_data(sipgate_fake))
    )
    assert hass.states.get("sensor.zentrale_new_voicemail_messages").state == "1"
    assert hass.states.get("sensor.vertrieb_jonas_new_voicemail_messages").state == "1"
    assert hass.states.get("switch.vertrieb_jonas_reject_anonymous_calls").state == STATE_ON
    # sipgate has no "hide my number" we can reach.
    assert hass.states.get("switch.zentrale_hide_my_number") is None

    await switch(hass, "switch.zentrale_reject_anonymous_calls", on=True)
    assert sipgate_fake.block_anonymous["p0"] == {"enabled": True, "target": "ALL"}
    assert hass.states.get("switch.zentrale_reject_anonymous_calls").state == STATE_ON


def _history(
    entry_id: str,
    kind: str,
    direction: str,
    line: str,
    *,
    read: bool = False,
    minutes_ago: float = 0,
) -> dict[str, object]:
    created = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).strftime(
        "%Y-%m-%d %H:%M:%S+00:00"
    )
    return {
        "id": entry_id,
        "source": "4917612345678",
        "sourceAlias": "Müller GmbH",
        "target": "4930123456700",
        "type": kind,
        "created": created,
        "lastModified": created,
        "direction": direction,
        "incoming": True,
        "status": "NOPICKUP",
        "connectionIds": [line],
        "read": read,
        "archived": False,
        "starred": False,
        "labels": [],
        "endpoints": [{"type": "ROUTED", "endpoint": {"extension": line, "type": "PHONELINE"}}],
    }


async def test_sipgate_missed_calls_without_webhooks_come_from_the_history(
    hass: HomeAssistant, sipgate_fake: FakeSipgate, freezer: FrozenDateTimeFactory
) -> None:
    # A call missed before setup is not news.
    sipgate_fake.history = [_history("10", "CALL", "MISSED_INCOMING", "p0", minutes_ago=60)]
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="sg", data=sipgate_data(sipgate_fake))
    )
    assert hass.states.get("sensor.zentrale_missed_calls").state == "0"

    sipgate_fake.history.insert(0, _history("11", "CALL", "MISSED_INCOMING", "p0"))
    sipgate_fake.history.insert(0, _history("12", "CALL", "INCOMING", "p0"))  # answered
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await wait_for(hass, lambda: hass.states.get("sensor.zentrale_missed_calls").state == "1")
    event = hass.states.get("event.zentrale_calls")
    assert (event.attributes["event_type"], event.attributes["caller_name"]) == (
        "missed",
        "Müller GmbH",
    )

    # The same entry again on the next poll is not counted twice.
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await settle(hass)
    assert hass.states.get("sensor.zentrale_missed_calls").state == "1"
