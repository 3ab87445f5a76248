"""sipgate specifics: the forwarding list, devices, calls, accounts without phonelines."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.centrex.api import (
    CallState,
    CentrexRequestError,
    Forwarding,
    ForwardKind,
    ForwardRule,
)
from custom_components.centrex.api.sipgate import SipgateProvider

from .fakes.sipgate import MASTER_SIP_ID, TOKEN, TOKEN_ID, FakeSipgate

ZENTRALE = "w0_p0"


@pytest.fixture
def fake(sipgate_fake: Any) -> Any:
    """The provider's fake, from the shared fixtures."""
    return sipgate_fake


def _provider(
    session: aiohttp.ClientSession, fake: FakeSipgate, **credentials: str
) -> SipgateProvider:
    assert fake.server is not None
    config = credentials or {"token_id": TOKEN_ID, "token": TOKEN}
    return SipgateProvider(session, {**config, "base_url": str(fake.server.make_url("/v2"))})


async def test_lines_are_phonelines(
    fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    provider = _provider(client_session, fake)
    account = await provider.async_get_account()
    lines = {line.id: line for line in await provider.async_get_lines()}

    assert account.id == f"sipgate-{MASTER_SIP_ID}"
    assert account.name == "sipgate Becker Metallbau GmbH"
    zentrale = lines[ZENTRALE]
    assert zentrale.name == "Zentrale"
    assert zentrale.number == "+4930123456700"
    assert zentrale.holder == "Claire Martin"
    assert zentrale.registered is True
    assert lines["w1_p1"].registered is False
    # sipgate has no busy or unreachable forward: they are not offered.
    assert zentrale.features.forward_kinds == {ForwardKind.UNCONDITIONAL, ForwardKind.NO_ANSWER}
    assert zentrale.forwarding.rule(ForwardKind.NO_ANSWER) == ForwardRule(True, "+4930123456710")
    assert zentrale.forwarding.no_answer_delay == 20


async def test_oauth_bearer_token(fake: FakeSipgate, client_session: aiohttp.ClientSession) -> None:
    provider = _provider(client_session, fake, token=TOKEN)
    assert (await provider.async_get_account()).id == f"sipgate-{MASTER_SIP_ID}"


async def test_a_change_rewrites_only_the_entries_it_targets(
    fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    provider = _provider(client_session, fake)
    await provider.async_get_lines()
    forwarding = Forwarding(
        {
            ForwardKind.UNCONDITIONAL: ForwardRule(True, "+33612345678"),
            ForwardKind.NO_ANSWER: ForwardRule(False, "+4930123456710"),
        },
        no_answer_delay=25,
    )
    await provider.async_set_forwarding(ZENTRALE, forwarding)
    assert [(r.method, r.path, r.body) for r in fake.writes()] == [
        (
            "PUT",
            "/v2/w0/phonelines/p0/forwardings",
            {
                # The no-answer entry is switched off where it is (its
                # destination kept); the new unconditional one is appended.
                "forwardings": [
                    {"destination": "4930123456710", "timeout": 25, "active": False},
                    {"destination": "33612345678", "timeout": 0, "active": True},
                ]
            },
        )
    ]
    line = await provider.async_get_line(ZENTRALE)
    assert line.forwarding.rule(ForwardKind.UNCONDITIONAL) == ForwardRule(True, "+33612345678")


async def test_busy_forward_is_refused_before_any_request(
    fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    provider = _provider(client_session, fake)
    await provider.async_get_lines()
    busy = Forwarding({ForwardKind.BUSY: ForwardRule(True, "+33612345678")})
    with pytest.raises(CentrexRequestError):
        await provider.async_set_forwarding(ZENTRALE, busy)
    assert fake.writes() == []


async def test_established_call_sets_the_call_state(
    fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    provider = _provider(client_session, fake)
    fake.calls = [
        {
            "callId": "ABC",
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
                },
                {
                    "participantId": "2",
                    "phoneNumber": "4917612345678",
                    "muted": False,
                    "hold": False,
                    "owner": False,
                },
            ],
        }
    ]
    lines = {line.id: line for line in await provider.async_get_lines()}
    assert lines[ZENTRALE].call_state is CallState.IN_CALL
    assert lines["w1_p1"].call_state is CallState.IDLE


async def test_do_not_disturb_is_set_on_the_line_devices(
    fake: FakeSipgate, client_session: aiohttp.ClientSession
) -> None:
    provider = _provider(client_session, fake)
    await provider.async_get_lines()
    await provider.async_set_do_not_disturb(ZENTRALE, True)
    assert [(r.path, r.body) for r in fake.writes()] == [("/v2/devices/e0", {"dnd": True})]


async def test_account_without_phonelines_falls_back_to_devices(
    socket_enabled: None, client_session: aiohttp.ClientSession
) -> None:
    fake = FakeSipgate(phonelines_layer=False)
    await fake.start()
    try:
        provider = _provider(client_session, fake)
        lines = {line.id: line for line in await provider.async_get_lines()}
        assert set(lines) == {"w0_e0", "w1_e1"}
        device_line = lines["w0_e0"]
        assert device_line.name == "Tischtelefon Zentrale"
        assert device_line.features.forward_kinds == frozenset()
        assert device_line.features.do_not_disturb
        with pytest.raises(CentrexRequestError):
            await provider.async_set_forwarding("w0_e0", Forwarding())
        await provider.async_set_do_not_disturb("w0_e0", True)
        assert (await provider.async_get_line("w0_e0")).do_not_disturb
    finally:
        await fake.close()
