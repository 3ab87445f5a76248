"""The shipped blueprints, loaded by Home Assistant's blueprint machinery and run on the demo."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from .conftest import setup_entry

BLUEPRINTS = Path(__file__).parent.parent / "blueprints"
OFFICE = {"latitude": 48.8566, "longitude": 2.3522, "gps_accuracy": 5}
FAR = {"latitude": 45.764, "longitude": 4.8357, "gps_accuracy": 5}


@pytest.fixture
async def office(
    hass: HomeAssistant, demo_entry: MockConfigEntry, tmp_path: Path
) -> MockConfigEntry:
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints")
    return await setup_entry(hass, demo_entry)


async def _use(hass: HomeAssistant, name: str, inputs: dict[str, Any]) -> None:
    config = {
        "automation": [
            {"alias": name, "use_blueprint": {"path": f"centrex/{name}.yaml", "input": inputs}}
        ]
    }
    assert await async_setup_component(hass, "automation", config)
    await hass.async_block_till_done()
    assert hass.states.get(f"automation.{name}").state == STATE_ON


def _state(hass: HomeAssistant, entity_id: str) -> str:
    return hass.states.get(entity_id).state


@pytest.mark.parametrize("path", sorted(BLUEPRINTS.rglob("*.yaml")), ids=lambda p: p.stem)
def test_every_blueprint_names_its_source(path: Path) -> None:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!input", lambda loader, node: loader.construct_scalar(node))
    blueprint = yaml.load(path.read_text(), Loader=Loader)["blueprint"]  # noqa: S506
    assert blueprint["source_url"].endswith(f"/blueprints/automation/centrex/{path.name}")
    assert blueprint["domain"] == "automation"


async def test_forward_when_away(hass: HomeAssistant, office: MockConfigEntry) -> None:
    assert await async_setup_component(
        hass,
        "zone",
        {"zone": [{"name": "Office", "radius": 200, "latitude": 48.8566, "longitude": 2.3522}]},
    )
    hass.states.async_set("person.julien", "Office", OFFICE)
    await _use(
        hass,
        "forward_when_away",
        {
            "person_entity": "person.julien",
            "zone_entity": "zone.office",
            "line": "switch.sales_julien_call_forwarding",
        },
    )
    hass.states.async_set("person.julien", "not_home", FAR)
    await hass.async_block_till_done()
    assert _state(hass, "select.sales_julien_call_forwarding_mode") == "always"
    assert _state(hass, "text.sales_julien_forwarding_destination") == "+33612345602"

    hass.states.async_set("person.julien", "Office", OFFICE)
    await hass.async_block_till_done()
    assert _state(hass, "select.sales_julien_call_forwarding_mode") == "off"


async def test_office_hours(hass: HomeAssistant, office: MockConfigEntry) -> None:
    hass.states.async_set("schedule.office_hours", STATE_ON)
    lines = ["switch.reception_call_forwarding", "switch.workshop_call_forwarding"]
    await _use(hass, "office_hours", {"schedule_entity": "schedule.office_hours", "lines": lines})

    hass.states.async_set("schedule.office_hours", STATE_OFF)
    await hass.async_block_till_done()
    for line in ("reception", "workshop"):
        assert _state(hass, f"select.{line}_call_forwarding_mode") == "always"
        assert _state(hass, f"text.{line}_forwarding_destination") == "voicemail"

    hass.states.async_set("schedule.office_hours", STATE_ON)
    await hass.async_block_till_done()
    for line in ("reception", "workshop"):
        assert _state(hass, f"switch.{line}_call_forwarding") == STATE_OFF


async def test_whole_office_remote(hass: HomeAssistant, office: MockConfigEntry) -> None:
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"remote": {}}})
    assert await async_setup_component(hass, "system_log", {})
    lines = ["switch.sales_claire_call_forwarding", "switch.sales_julien_call_forwarding"]
    await _use(hass, "office_remote", {"remote_entity": "input_boolean.remote", "lines": lines})

    await hass.services.async_call(
        "input_boolean", "turn_on", {"entity_id": "input_boolean.remote"}, blocking=True
    )
    await hass.async_block_till_done()
    assert _state(hass, "text.sales_claire_forwarding_destination") == "+33612345601"
    assert _state(hass, "text.sales_julien_forwarding_destination") == "+33612345602"
    assert _state(hass, "select.sales_claire_call_forwarding_mode") == "always"

    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": "input_boolean.remote"}, blocking=True
    )
    await hass.async_block_till_done()
    assert _state(hass, "select.sales_claire_call_forwarding_mode") == "off"
    assert _state(hass, "switch.sales_claire_forward_when_unreachable") == STATE_ON
    assert _state(hass, "select.sales_julien_call_forwarding_mode") == "off"


@pytest.mark.parametrize(("before", "after"), [(STATE_OFF, STATE_OFF), (STATE_ON, STATE_ON)])
async def test_do_not_disturb_while_busy(
    hass: HomeAssistant, office: MockConfigEntry, before: str, after: str
) -> None:
    dnd = "switch.warehouse_do_not_disturb"
    if before == STATE_ON:
        await hass.services.async_call("switch", "turn_on", {"entity_id": dnd}, blocking=True)
    hass.states.async_set("alarm_control_panel.site", "disarmed")
    await _use(
        hass,
        "dnd_while",
        {"busy_entity": "alarm_control_panel.site", "busy_state": "armed_away", "dnd_switch": dnd},
    )
    hass.states.async_set("alarm_control_panel.site", "armed_away")
    # The automation now waits for the alarm to be disarmed: let it run that far
    # (async_block_till_done would wait for the whole run).
    for _ in range(50):
        await asyncio.sleep(0)
    assert _state(hass, dnd) == STATE_ON

    hass.states.async_set("alarm_control_panel.site", "disarmed")
    await hass.async_block_till_done()
    assert _state(hass, dnd) == after


async def test_missed_call_notification(hass: HomeAssistant, office: MockConfigEntry) -> None:
    notifications = async_mock_service(hass, "notify", "mobile_app_phone")
    await _use(
        hass,
        "missed_call_notify",
        {"calls_entity": "event.reception_calls", "notify_action": "notify.mobile_app_phone"},
    )
    from custom_components.centrex.api import LineEvent, LineEventType  # noqa: PLC0415

    coordinator = office.runtime_data.coordinator
    coordinator.async_handle_event(
        LineEvent("reception", LineEventType.INCOMING, "n1", "+33612345699", "Garage Moreau")
    )
    await hass.async_block_till_done()
    assert notifications == []  # only missed calls notify
    coordinator.async_handle_event(
        LineEvent("reception", LineEventType.MISSED, "n1", "+33612345699", "Garage Moreau")
    )
    await hass.async_block_till_done()

    (call,) = notifications
    assert call.data["title"] == "Missed call on Reception Calls"
    assert call.data["message"] == "Garage Moreau called (+33612345699)."
    assert call.data["data"]["actions"] == [
        {"action": "URI", "title": "Call back", "uri": "tel:+33612345699"}
    ]


async def test_dashboard_shows_existing_entities(
    hass: HomeAssistant, office: MockConfigEntry
) -> None:
    dashboard = yaml.safe_load((BLUEPRINTS.parent / "dashboards" / "centrex.yaml").read_text())
    entity_ids = set()
    for section in dashboard["views"][0]["sections"]:
        for card in section["cards"]:
            entity_ids |= {card["entity"]} if "entity" in card else set()
            entity_ids |= {badge["entity"] for badge in card.get("badges", [])}
    assert len(entity_ids) == 6 * 7
    missing = {entity_id for entity_id in entity_ids if hass.states.get(entity_id) is None}
    assert not missing
