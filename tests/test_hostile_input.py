"""Hostile input: property-based tests of parsing and validation, and bad actions that send nothing."""

from __future__ import annotations

import contextlib
import re
from typing import Any
from urllib.parse import unquote

import probatio as vol
import pytest
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.api import (
    VOICEMAIL,
    CallState,
    CentrexRequestError,
    InvalidPhoneNumberError,
    LineEvent,
    LineEventType,
    line_destination,
    to_e164,
)
from custom_components.centrex.api.http import path
from custom_components.centrex.api.sipgate import SipgateProvider
from custom_components.centrex.calls import CallTracker
from custom_components.centrex.const import DOMAIN
from custom_components.centrex.destinations import resolve_destination
from custom_components.centrex.services import (
    SET_DO_NOT_DISTURB_SCHEMA,
    SET_FORWARDING_SCHEMA,
)

from .conftest import ovh_data, setup_entry
from .fakes.ovh import FakeOvh

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
HOSTILE = st.one_of(
    st.text(),
    st.text(alphabet="0123456789 +-()./#*%?&=\u202e\u200b\uff10\uff11", max_size=60),
    st.sampled_from(
        ["../../me", "%2e%2e%2f", "+33612345678?x=1", "+33612345678/../x", "\x00", "voicemail\n"]
    ),
    st.text(min_size=1000, max_size=5000),
)
SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(HOSTILE, st.sampled_from([None, "FR", "DE", "US"]))
def test_phone_numbers_parse_to_e164_or_fail_cleanly(text: str, region: str | None) -> None:
    try:
        number = to_e164(text, region)
    except InvalidPhoneNumberError:
        return
    assert E164.match(number)
    assert to_e164(number) == number


@SETTINGS
@given(st.lists(st.text(), min_size=1, max_size=5))
def test_ids_cannot_change_the_path(segments: list[str]) -> None:
    built = path(*segments)
    parts = built.split("/")[1:]
    assert len(parts) == len(segments)
    assert [unquote(part) for part in parts] == segments
    assert "?" not in built
    assert "#" not in built


async def test_destinations_resolve_or_are_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    runtime = init_integration.runtime_data
    coordinator = runtime.coordinator
    reception = coordinator.data.lines["reception"]
    colleagues = {line_destination(line_id) for line_id in coordinator.data.lines} - {
        line_destination("reception")
    }

    @SETTINGS
    @given(HOSTILE)
    def check(text: str) -> None:
        try:
            destination = resolve_destination(hass, runtime, text, reception)
        except ServiceValidationError as err:
            assert err.translation_key == "unknown_destination"  # noqa: PT017
            assert len(err.translation_placeholders["destination"]) <= 100  # noqa: PT017
            return
        assert destination == VOICEMAIL or destination in colleagues or E164.match(destination)

    check()


SCHEMA_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.lists(st.text(), max_size=3)
)


@SETTINGS
@given(
    st.dictionaries(
        # Target fields are Home Assistant's own (cv.TARGET_SERVICE_FIELDS); note
        # that it raises TypeError, not Invalid, for entity_id=False.
        st.sampled_from(["mode", "destination", "delay", "duration", "until", "enabled", "junk"]),
        SCHEMA_VALUES,
    )
)
def test_action_schemas_accept_or_reject_cleanly(data: dict[str, Any]) -> None:
    for schema in (SET_FORWARDING_SCHEMA, SET_DO_NOT_DISTURB_SCHEMA):
        with contextlib.suppress(vol.Invalid):
            schema(data)


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(
            ["event", "callId", "direction", "from", "to", "user[]", "userId[]", "cause"]
        ),
        st.lists(
            st.one_of(st.text(max_size=80), st.sampled_from(["newCall", "answer", "hangup", "in"])),
            max_size=3,
        ),
    )
)
def test_webhook_forms_parse_or_are_refused(form: dict[str, list[str]]) -> None:
    provider = SipgateProvider(None, {"token": "t"})  # type: ignore[arg-type]
    try:
        events = provider.parse_webhook(form)
    except CentrexRequestError:
        return
    assert all(isinstance(event, LineEvent) for event in events)


EVENTS = st.lists(
    st.tuples(st.sampled_from(list(LineEventType)), st.sampled_from(["a", "b", "c", None])),
    max_size=40,
)


@SETTINGS
@given(EVENTS)
def test_call_state_never_sticks(events: list[tuple[LineEventType, str | None]]) -> None:
    from homeassistant.util import dt as dt_util  # noqa: PLC0415

    tracker = CallTracker()
    now = dt_util.utcnow()
    for kind, call_id in events:
        tracker.apply(LineEvent("line", kind, call_id), now)
        assert tracker.state(now) in set(CallState)
    # Whatever happened, once every call has ended the line is idle...
    for call_id in ("a", "b", "c", None):
        tracker.apply(LineEvent("line", LineEventType.ENDED, call_id), now)
    assert tracker.state(now) is CallState.IDLE
    # ...and stale news of those calls is ignored.
    for call_id in ("a", "b", "c"):
        assert not tracker.apply(LineEvent("line", LineEventType.INCOMING, call_id), now)
    assert tracker.state(now) is CallState.IDLE


@pytest.mark.parametrize(
    ("data", "translation_key"),
    [
        ({"destination": "+33612345678\n/../../me"}, "unknown_destination"),
        ({"destination": "%2e%2e%2fme"}, "unknown_destination"),
        ({"destination": "'; DROP TABLE lines; --"}, "unknown_destination"),
        ({"destination": "📞📞📞"}, "unknown_destination"),
        ({"destination": "9" * 5000}, "unknown_destination"),
        ({"destination": "+33612345678", "delay": -5}, "invalid_delay"),
        ({"destination": "+33612345678", "delay": 10**9}, "invalid_delay"),
        ({"destination": "+33612345678", "delay": 12.5}, "invalid_delay"),
        ({"destination": "+33612345678", "delay": "nan"}, "invalid_delay"),
        ({"destination": "+33612345678", "delay": "inf"}, "invalid_delay"),
        ({"destination": "+33612345678", "mode": "always; rm -rf"}, "invalid_mode"),
    ],
)
async def test_hostile_actions_send_nothing(
    hass: HomeAssistant, ovh_fake: FakeOvh, data: dict[str, Any], translation_key: str
) -> None:
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    before = len(ovh_fake.requests)
    with pytest.raises(ServiceValidationError) as excinfo:
        await hass.services.async_call(
            DOMAIN,
            "set_forwarding",
            {ATTR_ENTITY_ID: "switch.accueil_call_forwarding", "mode": "always", **data},
            blocking=True,
        )
    assert excinfo.value.translation_key == translation_key
    assert ovh_fake.requests[before:] == []


async def test_unknown_lines_are_refused(hass: HomeAssistant, ovh_fake: FakeOvh) -> None:
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    before = len(ovh_fake.requests)
    for target in ({ATTR_ENTITY_ID: "switch.../../me"}, {"device_id": "../../x"}):
        with pytest.raises((ServiceValidationError, vol.Invalid)):
            await hass.services.async_call(DOMAIN, "clear_forwarding", target, blocking=True)
    assert ovh_fake.requests[before:] == []
