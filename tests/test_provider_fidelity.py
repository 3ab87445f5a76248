"""The drivers against fakes seeded as real accounts are, held to the published schemas.

Each test here failed on the drivers as they were before they were read
against the providers' specifications (see BENCHMARKS.md and the README's
"What each provider supports").
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from typing import Any

import aiohttp
import pytest

from custom_components.centrex.api import (
    VOICEMAIL,
    CentrexConnectionError,
    CentrexRequestError,
    Forwarding,
    ForwardingMode,
    ForwardKind,
    ForwardRule,
    LineEvent,
    LineEventType,
    line_destination,
    with_mode,
)
from custom_components.centrex.api.ovh import ACCESS_RULES, OvhProvider
from custom_components.centrex.api.sipgate import SipgateProvider

from .fakes.ovh import (
    APPLICATION_KEY,
    APPLICATION_SECRET,
    BILLING_ACCOUNT,
    CONSUMER_KEY,
    FakeOvh,
)
from .fakes.schema import load_published
from .fakes.sipgate import TOKEN, TOKEN_ID, FakeSipgate

ZENTRALE = "w0_p0"
RECEPTION = f"{BILLING_ACCOUNT}_0033184801200"
ACCUEIL = "0033184801200"


def _sipgate(session: aiohttp.ClientSession, fake: FakeSipgate) -> SipgateProvider:
    assert fake.server is not None
    return SipgateProvider(
        session,
        {"token_id": TOKEN_ID, "token": TOKEN, "base_url": str(fake.server.make_url("/v2"))},
    )


def _ovh(session: aiohttp.ClientSession, fake: FakeOvh, **extra: Any) -> OvhProvider:
    assert fake.server is not None
    return OvhProvider(
        session,
        {
            "application_key": APPLICATION_KEY,
            "application_secret": APPLICATION_SECRET,
            "consumer_key": CONSUMER_KEY,
            "base_url": str(fake.server.make_url("/1.0")),
            "events_url": str(fake.server.make_url("")).rstrip("/"),
            **extra,
        },
    )


# -- sipgate ------------------------------------------------------------------

#: What a real team account holds: a forward to a group (sipgate's own
#: example), a remembered number, a colleague's phoneline, odd timeouts.
REAL_ENTRIES = [
    {"alias": "Accounting group", "destination": "g1", "timeout": 15, "active": True},
    {"alias": "", "destination": "4917612345678", "timeout": 0, "active": False},
    {"alias": "Vertrieb Jonas", "destination": "p1", "timeout": 45, "active": False},
]


async def test_sipgate_group_and_third_entries_survive_any_toggle(
    sipgate_fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    sipgate_fake.forwardings["p0"] = [dict(entry) for entry in REAL_ENTRIES]
    provider = _sipgate(client_session, sipgate_fake)
    line = next(line for line in await provider.async_get_lines() if line.id == ZENTRALE)
    # The group is shown as sipgate names it, read-only.
    rule = line.forwarding.rule(ForwardKind.NO_ANSWER)
    assert (rule.active, rule.destination, rule.label) == (True, "other:g1", "Accounting group")
    assert line.forwarding.no_answer_delay == 15

    await provider.async_set_do_not_disturb(ZENTRALE, True)
    assert sipgate_fake.writes("/forwardings") == []
    # Forward everything to the remembered number: it is reused in place; the
    # group is switched off (kept), the colleague's entry untouched.
    await provider.async_set_forwarding(
        ZENTRALE, with_mode(line.forwarding, ForwardingMode.ALWAYS, "+4917612345678")
    )
    assert sipgate_fake.forwardings["p0"] == [
        {"alias": "Accounting group", "destination": "g1", "timeout": 15, "active": False},
        {"alias": "", "destination": "4917612345678", "timeout": 0, "active": True},
        {"alias": "Vertrieb Jonas", "destination": "p1", "timeout": 45, "active": False},
    ]
    # And back off: nothing is deleted.
    line = await provider.async_get_line(ZENTRALE)
    await provider.async_set_forwarding(
        ZENTRALE, with_mode(line.forwarding, ForwardingMode.OFF, None)
    )
    assert [entry["destination"] for entry in sipgate_fake.forwardings["p0"]] == [
        "g1",
        "4917612345678",
        "p1",
    ]
    assert not any(entry["active"] for entry in sipgate_fake.forwardings["p0"])


async def test_sipgate_a_group_cannot_be_set_and_a_fourth_entry_is_refused(
    sipgate_fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    # Three entries, none of ours free for an immediate forward.
    sipgate_fake.forwardings["p0"] = [
        REAL_ENTRIES[0],
        {"alias": "Lager", "destination": "g7", "timeout": 0, "active": False},
        REAL_ENTRIES[2],
    ]
    provider = _sipgate(client_session, sipgate_fake)
    line = (await provider.async_get_lines())[0]
    with pytest.raises(CentrexRequestError, match="at most three"):
        await provider.async_set_forwarding(
            ZENTRALE, with_mode(line.forwarding, ForwardingMode.ALWAYS, "+33612345678")
        )
    with pytest.raises(CentrexRequestError, match="web app"):
        await provider.async_set_forwarding(
            ZENTRALE, with_mode(line.forwarding, ForwardingMode.ALWAYS, "other:g9")
        )
    assert sipgate_fake.writes() == []


async def test_sipgate_an_odd_delay_does_not_lock_the_line(
    sipgate_fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    # Set to 12 s in sipgate's web app: not a multiple of 5.
    sipgate_fake.forwardings["p0"] = [
        {"alias": "", "destination": "4930123456710", "timeout": 12, "active": True}
    ]
    provider = _sipgate(client_session, sipgate_fake)
    line = (await provider.async_get_lines())[0]
    assert line.forwarding.no_answer_delay == 12
    assert line.features.no_answer_delay is not None
    assert line.features.no_answer_delay.accepts(12)
    # A change unrelated to the delay goes through, and keeps it.
    await provider.async_set_forwarding(
        ZENTRALE, with_mode(line.forwarding, ForwardingMode.NO_ANSWER, "+33612345678")
    )
    # The new destination got its own entry, with the same delay; the old one is kept.
    assert sipgate_fake.forwardings["p0"] == [
        {"alias": "", "destination": "4930123456710", "timeout": 12, "active": False},
        {"alias": "", "destination": "33612345678", "timeout": 12, "active": True},
    ]
    # Any delay the API accepts can be set; one it would refuse is refused by us.
    line = await provider.async_get_line(ZENTRALE)
    await provider.async_set_forwarding(ZENTRALE, Forwarding(line.forwarding.rules, 13))
    assert [e["timeout"] for e in sipgate_fake.forwardings["p0"]] == [12, 13]
    writes = len(sipgate_fake.writes())
    with pytest.raises(CentrexRequestError, match="1 to 600"):
        await provider.async_set_forwarding(ZENTRALE, Forwarding(line.forwarding.rules, 601))
    assert len(sipgate_fake.writes()) == writes


async def test_sipgate_voicemail_is_the_voicemail_object(
    sipgate_fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    provider = _sipgate(client_session, sipgate_fake)
    line = (await provider.async_get_lines())[0]
    await provider.async_set_forwarding(
        ZENTRALE, with_mode(line.forwarding, ForwardingMode.NO_ANSWER, VOICEMAIL)
    )
    (put,) = sipgate_fake.writes("/voicemails/")
    assert put.path == "/v2/w0/phonelines/p0/voicemails/v0"
    assert put.body == {"active": True, "timeout": 20, "transcription": False}
    # The number forward was switched off, where it was.
    assert sipgate_fake.forwardings["p0"] == [
        {"alias": "", "destination": "4930123456710", "timeout": 20, "active": False}
    ]
    line = await provider.async_get_line(ZENTRALE)
    assert line.forwarding.rule(ForwardKind.NO_ANSWER) == ForwardRule(True, VOICEMAIL)


async def test_sipgate_a_colleague_is_their_phoneline(
    sipgate_fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    provider = _sipgate(client_session, sipgate_fake)
    line = (await provider.async_get_lines())[0]
    colleague = line_destination("w1_p1")
    await provider.async_set_forwarding(
        ZENTRALE, with_mode(line.forwarding, ForwardingMode.ALWAYS, colleague)
    )
    assert sipgate_fake.forwardings["p0"][-1] == {
        "alias": "Vertrieb Jonas",
        "destination": "p1",
        "timeout": 0,
        "active": True,
    }
    line = await provider.async_get_line(ZENTRALE)
    assert line.forwarding.rule(ForwardKind.UNCONDITIONAL) == ForwardRule(True, colleague)


async def test_sipgate_without_the_calls_scope_only_the_call_state_is_unknown(
    sipgate_fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    sipgate_fake.calls_scope = False
    provider = _sipgate(client_session, sipgate_fake)
    lines = await provider.async_get_lines()
    assert [line.call_state for line in lines] == [None, None]
    assert lines[0].forwarding.is_active(ForwardKind.NO_ANSWER)
    assert lines[0].registered is True


async def test_sipgate_do_not_disturb_sends_back_an_emergency_address(
    sipgate_fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    # No published endpoint returns it; if one ever does, it is sent back.
    sipgate_fake.devices["w0"][0]["emergencyAddressId"] = 7
    provider = _sipgate(client_session, sipgate_fake)
    await provider.async_get_lines()
    await provider.async_set_do_not_disturb(ZENTRALE, True)
    assert [r.body for r in sipgate_fake.writes("/devices/")] == [
        {"dnd": True, "emergencyAddressId": 7}
    ]


#: sipgate-io/sipgateio-node lib/webhook/webhook.test.node.ts: a body signed
#: with sipgate's real key (see tests/schemas/README.md).
SIGNED_BODY = (
    b"callId=&direction=in&event=newCall&from=4912354678&fullUserId%5B%5D%5B0%5D=123456789"
    b"&originalCallId=&to=49999999&user%5B%5D%5B0%5D=TestUser&userId%5B%5D%5B0%5D=123456789&xcid="
)
SIGNATURE = (
    "hlY7r9Vad0NP/7xJxf+vcDqjWaGWHOcIrj+rcP5aqQQcHtbSLsElp2kRNRPBL5unWbq6bExVPZB49HHM+Y/fWSVL19q7"
    "KSJhYPHfikcME0r0mCYB4S/VnJwnIvpiqz6s7Dpnk3wDCy65B3WQLwBVWA9oh6ojNM/g+87YnoMTKRx1KoFqosKNfBp1"
    "c1I8XjXusGOW/VlGnMb6wHhUVdwi9K7FfUgxj2pnV+M1Xv9rYs6RAi4V1OcUPqdT5geHsxWa09sk+AEHSUm1EFnAvx7P"
    "hIkugpNwST7yPKHf0+iyei4qUQCBZtfQVOI4mLZTRfQuyVo3YuJfvHaNPYY34/1ZCZGCKeu+HS6WHs1vGUyKxSi8v4JJ"
    "qog2VOlWruf8pMGg+syuAFwuxiCnWsSXgaaUfe9JrBAFjBxUmNP9DzR1bbkwxkJnthacu7jALXjGsubjSSSl955Qgen"
    "V/ZpODHgWDPg0fe6qGILtk+kXLjyfSsoR/qgzE5W5OAyZq8W64h01KAt9Q283N7/2nogy6keiIWL3qjPolWnrchSP7iJ"
    "UatM2YiTcpkNKnJ70UE05cdw3swuNe7zqD51MdOX3rAioEOFgOIFMSrxMVX+V4XK7sa5o43smN8lHoa+0AogQMuIrC7"
    "k2axdRbulSSNfyqVAZIT4qS0cItiv3aPXsdDKkkA0="
)


def test_sipgate_published_key_checks_signatures_by_default() -> None:
    provider = SipgateProvider(None, {"token": TOKEN})  # type: ignore[arg-type]  # no request
    assert provider.verify_webhook(SIGNED_BODY, SIGNATURE)
    assert not provider.verify_webhook(SIGNED_BODY.replace(b"TestUser", b"Mallory"), SIGNATURE)
    assert not provider.verify_webhook(SIGNED_BODY, None)
    assert not provider.verify_webhook(SIGNED_BODY, base64.b64encode(b"forged").decode())


# -- OVH ----------------------------------------------------------------------


async def test_ovh_delays_are_those_of_ovh_s_manager(
    ovh_fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    provider = _ovh(client_session, ovh_fake)
    line = next(line for line in await provider.async_get_lines() if line.id == RECEPTION)
    assert line.features.no_answer_delay is not None
    assert (line.features.no_answer_delay.minimum, line.features.no_answer_delay.maximum) == (5, 60)
    with pytest.raises(CentrexRequestError, match="5 to 60"):
        await provider.async_set_forwarding(RECEPTION, Forwarding(line.forwarding.rules, 4))
    assert ovh_fake.writes("/options") == []
    # A delay OVH's manager would not set, set elsewhere, blocks nothing else.
    ovh_fake.lines[ACCUEIL].options["forwardNoReplyDelay"] = 90
    line = await provider.async_get_line(RECEPTION)
    await provider.async_set_do_not_disturb(RECEPTION, True)
    await provider.async_set_forwarding(
        RECEPTION, with_mode(line.forwarding, ForwardingMode.ALWAYS, "+33612345678")
    )
    assert ovh_fake.lines[ACCUEIL].options["forwardNoReplyDelay"] == 90


async def test_ovh_expiry_is_unknown_when_ovh_will_not_say(
    ovh_fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    assert {"method": "GET", "path": "/auth/currentCredential"} in ACCESS_RULES
    assert not any(rule["method"] == "DELETE" for rule in ACCESS_RULES)
    ovh_fake.credential_expiration = "2027-01-05T10:00:00+01:00"
    provider = _ovh(client_session, ovh_fake)
    assert await provider.async_get_credentials_expiry() is not None
    ovh_fake.current_credential_granted = False
    assert await provider.async_get_credentials_expiry() is None


def _token_requests(fake: FakeOvh) -> list[str]:
    return [f"{r.method}" for r in fake.requests if r.path.endswith("/eventToken")]


async def test_ovh_event_token_survives_a_reconnect_storm(
    ovh_fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    shared = dict(ovh_fake.event_tokens)  # another consumer's token (a CRM connector)
    ovh_fake.refuse_sessions = True
    provider = _ovh(client_session, ovh_fake)
    for _ in range(25):
        with pytest.raises(CentrexConnectionError):
            await provider.async_listen(lambda _: None, lambda: None)
    # Looked up once, never created again, never deleted.
    assert _token_requests(ovh_fake) == ["GET"]
    assert ovh_fake.event_tokens == shared

    ovh_fake.refuse_sessions = False
    connected = asyncio.Event()
    task = asyncio.create_task(provider.async_listen(lambda _: None, connected.set))
    await asyncio.wait_for(connected.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (session,) = [s for s in ovh_fake.sessions.values() if s["tokens"]]
    assert session["tokens"] == set(shared)
    assert _token_requests(ovh_fake) == ["GET"]


async def test_ovh_event_token_is_created_only_where_there_is_none(
    ovh_fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    ovh_fake.event_tokens = {}
    ovh_fake.refuse_sessions = True
    provider = _ovh(client_session, ovh_fake)
    for _ in range(5):
        with pytest.raises(CentrexConnectionError):
            await provider.async_listen(lambda _: None, lambda: None)
    assert _token_requests(ovh_fake) == ["GET", "POST"]
    assert len(ovh_fake.event_tokens) == 1


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (
            ["start_ringing", "start_calling", "end_ringing", "end_calling"],
            ["incoming", "answered", "ended"],
        ),
        (
            ["start_ringing", "end_ringing", "start_calling", "end_calling"],
            ["incoming", "answered", "ended"],
        ),
        (["start_ringing", "end_ringing"], ["incoming", "missed"]),
    ],
    ids=["calling-first", "ringing-ends-first", "missed"],
)
async def test_ovh_answered_and_missed_in_either_order(
    ovh_fake: FakeOvh,
    client_session: aiohttp.ClientSession,
    order: list[str],
    expected: list[str],
) -> None:
    provider = _ovh(client_session, ovh_fake)
    provider.answer_grace = 0.3
    await provider.async_get_lines()
    events: list[LineEvent] = []
    connected = asyncio.Event()
    task = asyncio.create_task(provider.async_listen(events.append, connected.set))
    await asyncio.wait_for(connected.wait(), 5)
    for name in order:
        # One event per long poll, as a real server may deliver them.
        ovh_fake.push(ACCUEIL, name, "call-x")
        seen = len(ovh_fake.requests)
        for _ in range(200):
            if len(ovh_fake.requests) > seen:
                break
            await asyncio.sleep(0.005)
    await asyncio.sleep(0.5)  # past the grace period
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [event.type.value for event in events] == expected
    assert all(event.type is not LineEventType.MISSED for event in events) == (
        "missed" not in expected
    )


# -- both fakes hold their clients to the published schemas -------------------


async def test_fakes_reject_requests_outside_the_published_schema(
    sipgate_fake: FakeSipgate, ovh_fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    assert sipgate_fake.server is not None
    url = str(sipgate_fake.server.make_url("/v2/w0/phonelines/p0/forwardings"))
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    entry = {"destination": "4930123456710", "timeout": 20, "active": True}
    for body in (
        {"forwardings": [entry] * 4},  # maxItems 3
        {"forwardings": [{**entry, "timeout": 601}]},  # maximum 600
        {"forwardings": [{**entry, "destination": 4930123456710}]},  # a string
    ):
        async with client_session.put(url, data=json.dumps(body), headers=headers) as response:
            assert response.status == 400
    assert len(sipgate_fake.rejected) == 3
    assert sipgate_fake.forwardings["p0"][0]["timeout"] == 20  # unchanged

    # OVH: a read-only field sent back, and a nature the enum does not have.
    provider = _ovh(client_session, ovh_fake)
    options = dict(ovh_fake.lines[ACCUEIL].options)
    resource = f"/telephony/{BILLING_ACCOUNT}/line/{ACCUEIL}/options"
    for body in (
        {"voicemailInternalNumber": "123"},
        {"forwardBusyNature": "pigeon"},
        {
            **{k: v for k, v in options.items() if k != "voicemailInternalNumber"},
            "doNotDisturb": "yes",
        },
    ):
        with pytest.raises(CentrexRequestError):
            await provider._signed("PUT", resource, body)
    assert len(ovh_fake.rejected) == 3
    assert ovh_fake.lines[ACCUEIL].options == options
    sipgate_fake.rejected.clear()
    ovh_fake.rejected.clear()


def test_the_fakes_are_held_to_the_published_subsets_when_beside_the_project() -> None:
    """CI has the providers' published subsets beside the project: they must be in use there."""
    published = load_published(FakeSipgate.published_file)
    if published is None:
        assert not os.environ.get("CENTREX_REQUIRE_PUBLISHED_SCHEMAS"), "published subsets missing"
        pytest.skip("the providers' published subsets are not beside the project")
    assert published.find("PUT", "/w0/phonelines/p0/forwardings") is not None
