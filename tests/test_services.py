"""The integration's actions, through Home Assistant's service calls."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.centrex.api.demo import DEMO_ACCOUNT_ID
from custom_components.centrex.const import DOMAIN

from .conftest import ovh_data, settle, setup_entry
from .fakes import ovh
from .fakes.base import Fault
from .fakes.ovh import FakeOvh

RECEPTION = "select.reception_call_forwarding_mode"


def _device(hass: HomeAssistant, entry: MockConfigEntry, identifier: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, identifier), entry.entry_id)
    assert device is not None
    return device.id


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return await hass.services.async_call(DOMAIN, service, data, blocking=True, **kwargs)


async def _line(entry: MockConfigEntry, line_id: str) -> Any:
    return await entry.runtime_data.provider.async_get_line(line_id)


async def test_services_exist_without_any_account(hass: HomeAssistant) -> None:
    from homeassistant.setup import async_setup_component  # noqa: PLC0415

    assert await async_setup_component(hass, DOMAIN, {})
    for service in (
        "set_forwarding",
        "clear_forwarding",
        "set_do_not_disturb",
        "forward_to_mobile",
        "restore_forwarding",
        "get_forwarding",
    ):
        assert hass.services.has_service(DOMAIN, service)
    with pytest.raises(ServiceValidationError) as excinfo:
        await _call(hass, "clear_forwarding", {ATTR_ENTITY_ID: "switch.nothing"})
    assert excinfo.value.translation_key == "no_lines"


async def test_set_forwarding_to_a_saved_destination_by_entity(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await _call(
        hass,
        "set_forwarding",
        {
            ATTR_ENTITY_ID: "switch.workshop_call_forwarding",
            "mode": "busy",
            "destination": "claire's MOBILE",
            "delay": 30,
        },
    )
    line = await _line(init_integration, "workshop")
    assert line.forwarding.rule("busy").active
    assert line.forwarding.rule("busy").destination == "+33612345601"
    assert line.forwarding.no_answer_delay == 30
    assert hass.states.get("select.workshop_forward_to").state == "Claire's mobile"


async def test_set_forwarding_on_the_account_device_changes_every_line(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    account = _device(hass, init_integration, DEMO_ACCOUNT_ID)
    await _call(
        hass,
        "set_forwarding",
        {ATTR_DEVICE_ID: account, "mode": "always", "destination": "voicemail"},
    )
    response = await _call(hass, "get_forwarding", {ATTR_DEVICE_ID: account}, return_response=True)
    assert len(response["lines"]) == 6
    assert {line["mode"] for line in response["lines"]} == {"always"}
    assert {line["destination"] for line in response["lines"]} == {"voicemail"}


@pytest.mark.parametrize(
    ("data", "translation_key"),
    [
        ({"mode": "always", "destination": "nobody"}, "unknown_destination"),
        ({"mode": "sometimes", "destination": "+33612345678"}, "invalid_mode"),
        ({"mode": "always", "destination": "+33612345678", "delay": 7}, "invalid_delay"),
        ({"mode": "always", "destination": "../../me?x=1"}, "unknown_destination"),
        (
            {"mode": "always", "destination": "+33612345678", "until": "2000-01-01 00:00:00"},
            "until_in_past",
        ),
    ],
)
async def test_bad_input_is_refused_before_any_line_changes(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    data: dict[str, Any],
    translation_key: str,
) -> None:
    account = _device(hass, init_integration, DEMO_ACCOUNT_ID)
    before = [await _line(init_integration, line) for line in ("reception", "workshop")]
    with pytest.raises(ServiceValidationError) as excinfo:
        await _call(hass, "set_forwarding", {ATTR_DEVICE_ID: account, **data})
    assert excinfo.value.translation_key == translation_key
    assert [await _line(init_integration, line) for line in ("reception", "workshop")] == before


async def test_targeting_something_that_is_not_a_line(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )
    with pytest.raises(ServiceValidationError) as excinfo:
        await _call(hass, "clear_forwarding", {ATTR_DEVICE_ID: device.id})
    assert excinfo.value.translation_key == "not_a_line"


async def test_timed_forwarding_comes_back_by_itself(
    hass: HomeAssistant, init_integration: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await _call(
        hass,
        "set_forwarding",
        {
            ATTR_ENTITY_ID: RECEPTION,
            "mode": "always",
            "destination": "+33612345678",
            "duration": {"hours": 2},
        },
    )
    assert hass.states.get(RECEPTION).state == "always"
    response = await _call(
        hass, "get_forwarding", {ATTR_ENTITY_ID: RECEPTION}, return_response=True
    )
    assert response["lines"][0]["restore_at"] is not None

    # A second timed change keeps the state from before the first one.
    await _call(
        hass,
        "set_forwarding",
        {
            ATTR_ENTITY_ID: RECEPTION,
            "mode": "busy",
            "destination": "+33612345679",
            "duration": {"hours": 3},
        },
    )
    freezer.tick(timedelta(hours=2, minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(RECEPTION).state == "busy"

    freezer.tick(timedelta(hours=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(RECEPTION).state == "no_answer"
    assert hass.states.get("text.reception_forwarding_destination").state == "Sales (Claire)"


@pytest.mark.parametrize("timing", ["duration", "until"])
async def test_timed_forwarding_survives_a_restart(
    hass: HomeAssistant, ovh_fake: FakeOvh, freezer: FrozenDateTimeFactory, timing: str
) -> None:
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    when: Any = (
        {"hours": 1} if timing == "duration" else (dt_util.now() + timedelta(hours=1)).isoformat()
    )
    await _call(
        hass,
        "set_forwarding",
        {
            ATTR_ENTITY_ID: "select.accueil_call_forwarding_mode",
            "mode": "always",
            "destination": "06 12 34 56 78",
            timing: when,
        },
    )
    options = ovh_fake.lines["0033184801200"].options
    assert options["forwardUnconditional"] is True

    # Home Assistant stops and starts again before the hour is over.
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    freezer.tick(timedelta(hours=1, seconds=1))
    async_fire_time_changed(hass)
    await settle(hass)
    assert options["forwardUnconditional"] is False
    assert options["forwardNoReply"] is True
    assert hass.states.get("select.accueil_call_forwarding_mode").state == "no_answer"


async def test_a_failed_restore_is_retried(
    hass: HomeAssistant, ovh_fake: FakeOvh, freezer: FrozenDateTimeFactory
) -> None:
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    await _call(
        hass,
        "set_do_not_disturb",
        {
            ATTR_ENTITY_ID: "switch.accueil_do_not_disturb",
            "enabled": True,
            "duration": {"minutes": 30},
        },
    )
    assert ovh_fake.lines["0033184801200"].options["doNotDisturb"] is True
    ovh_fake.inject(Fault(method="PUT", status=503))
    freezer.tick(timedelta(minutes=31))
    async_fire_time_changed(hass)
    await settle(hass)
    assert ovh_fake.lines["0033184801200"].options["doNotDisturb"] is True

    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await settle(hass)
    assert ovh_fake.lines["0033184801200"].options["doNotDisturb"] is False


async def test_untimed_change_cancels_a_pending_restore(
    hass: HomeAssistant, init_integration: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await _call(
        hass,
        "set_do_not_disturb",
        {
            ATTR_ENTITY_ID: "switch.reception_do_not_disturb",
            "enabled": True,
            "duration": {"minutes": 10},
        },
    )
    await _call(
        hass,
        "set_do_not_disturb",
        {ATTR_ENTITY_ID: "switch.reception_do_not_disturb", "enabled": True},
    )
    freezer.tick(timedelta(minutes=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("switch.reception_do_not_disturb").state == "on"


async def test_clear_forwarding(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    await _call(hass, "clear_forwarding", {ATTR_ENTITY_ID: "switch.sales_claire_call_forwarding"})
    line = await _line(init_integration, "sales_claire")
    assert not any(rule.active for rule in line.forwarding.rules.values())
    assert line.forwarding.rule("unreachable").destination == "+33612345601"


async def test_office_goes_remote_and_comes_back(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    account = _device(hass, init_integration, DEMO_ACCOUNT_ID)
    response = await _call(
        hass, "forward_to_mobile", {ATTR_DEVICE_ID: account}, return_response=True
    )
    results = {result["line"]: result for result in response["lines"]}
    assert results["Sales (Claire)"]["success"]
    assert results["Sales (Julien)"]["success"]
    # Lines without a holder's mobile are reported, and do not stop the others.
    assert not results["Reception"]["success"]
    assert "mobile" in results["Reception"]["error"]
    claire = await _line(init_integration, "sales_claire")
    assert claire.forwarding.rule("unconditional").destination == "+33612345601"
    assert hass.states.get("select.sales_julien_call_forwarding_mode").state == "always"

    # Without asking for the response, a partial failure is an error...
    with pytest.raises(HomeAssistantError) as excinfo:
        await _call(hass, "restore_forwarding", {ATTR_DEVICE_ID: account})
    assert excinfo.value.translation_key == "some_lines_failed"
    # ...but the lines that could be restored were.
    assert hass.states.get("select.sales_julien_call_forwarding_mode").state == "off"
    claire = await _line(init_integration, "sales_claire")
    assert claire.forwarding.is_active("unreachable")
    assert not claire.forwarding.is_active("unconditional")


async def test_do_not_disturb_action(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await _call(
        hass,
        "set_do_not_disturb",
        {
            ATTR_ENTITY_ID: ["switch.reception_do_not_disturb", "switch.workshop_do_not_disturb"],
            "enabled": True,
        },
    )
    assert hass.states.get("switch.reception_do_not_disturb").state == "on"
    assert hass.states.get("switch.workshop_do_not_disturb").state == "on"


async def test_provider_refusal_in_an_action_is_translated(
    hass: HomeAssistant, ovh_fake: FakeOvh
) -> None:
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    ovh_fake.inject(
        Fault(method="PUT", status=400, body={"class": "Client::BadRequest", "message": "no"})
    )
    with pytest.raises(ServiceValidationError) as excinfo:
        await _call(
            hass,
            "set_forwarding",
            {
                ATTR_ENTITY_ID: "select.accueil_call_forwarding_mode",
                "mode": "always",
                "destination": "+33612345678",
            },
        )
    assert excinfo.value.translation_key == "provider_rejected"
    assert ovh_fake.lines["0033184801200"].options["forwardUnconditional"] is False
    assert ovh.NICHANDLE


async def test_do_not_disturb_unsupported_line(hass: HomeAssistant, socket_enabled: None) -> None:
    from .conftest import sipgate_data  # noqa: PLC0415
    from .fakes.sipgate import FakeSipgate  # noqa: PLC0415

    fake = FakeSipgate()
    fake.devices["w1"] = []  # Jonas's line has no device: no do-not-disturb
    await fake.start()
    try:
        await setup_entry(
            hass, MockConfigEntry(domain=DOMAIN, unique_id="s", data=sipgate_data(fake))
        )
        with pytest.raises(ServiceValidationError) as excinfo:
            await _call(
                hass,
                "set_do_not_disturb",
                {ATTR_ENTITY_ID: "select.vertrieb_jonas_call_forwarding_mode", "enabled": True},
            )
        assert excinfo.value.translation_key == "do_not_disturb_not_supported"
        with pytest.raises(ServiceValidationError) as excinfo:
            await _call(
                hass,
                "set_forwarding",
                {
                    ATTR_ENTITY_ID: "select.vertrieb_jonas_call_forwarding_mode",
                    "mode": "busy",
                    "destination": "+33612345678",
                },
            )
        assert excinfo.value.translation_key == "mode_not_supported"
    finally:
        await fake.close()


async def test_unloaded_account(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    account = _device(hass, init_integration, DEMO_ACCOUNT_ID)
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as excinfo:
        await _call(hass, "clear_forwarding", {ATTR_DEVICE_ID: account})
    assert excinfo.value.translation_key == "entry_not_loaded"


async def test_concurrent_changes_to_one_line_are_serialised(
    hass: HomeAssistant, ovh_fake: FakeOvh
) -> None:
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    # Slow writes, so that the two actions overlap in time.
    ovh_fake.inject(Fault(method="PUT", delay=0.05, times=2))
    target = {ATTR_ENTITY_ID: "select.accueil_call_forwarding_mode", "mode": "always"}
    await asyncio.gather(
        _call(hass, "set_forwarding", {**target, "destination": "+33611111111"}),
        _call(hass, "set_forwarding", {**target, "destination": "+33622222222"}),
    )
    bodies = [r.body for r in ovh_fake.writes("/options")]
    assert [body.get("forwardUnconditionalNumber") for body in bodies] == [
        "0033611111111",
        "0033622222222",
    ]
    # The last accepted command wins, and Home Assistant shows it.
    assert ovh_fake.lines["0033184801200"].options["forwardUnconditionalNumber"] == "0033622222222"
    assert hass.states.get("text.accueil_forwarding_destination").state == "+33622222222"


@pytest.mark.parametrize(
    ("provider", "entity_id"),
    [
        ("demo", "select.reception_call_forwarding_mode"),
        ("ovh", "select.accueil_call_forwarding_mode"),
        ("sipgate", "select.zentrale_call_forwarding_mode"),
    ],
)
async def test_set_and_get_forwarding_with_every_provider(
    hass: HomeAssistant,
    demo_entry: MockConfigEntry,
    ovh_fake: FakeOvh,
    sipgate_fake: Any,
    provider: str,
    entity_id: str,
) -> None:
    from .conftest import sipgate_data  # noqa: PLC0415

    entry = {
        "demo": demo_entry,
        "ovh": MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake)),
        "sipgate": MockConfigEntry(domain=DOMAIN, unique_id="sg", data=sipgate_data(sipgate_fake)),
    }[provider]
    await setup_entry(hass, entry)
    await _call(
        hass,
        "set_forwarding",
        {
            ATTR_ENTITY_ID: entity_id,
            "mode": "no_answer",
            "destination": "+49 170 1234567",
            "delay": 30,
        },
    )
    response = await _call(
        hass, "get_forwarding", {ATTR_ENTITY_ID: entity_id}, return_response=True
    )
    (line,) = response["lines"]
    assert (line["mode"], line["destination"], line["no_answer_delay"]) == (
        "no_answer",
        "+491701234567",
        30,
    )
    await _call(hass, "clear_forwarding", {ATTR_ENTITY_ID: entity_id})
    assert hass.states.get(entity_id).state == "off"
