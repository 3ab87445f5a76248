"""The manager-interface client against a fake AMI over real TCP: framing, answers, faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest

from custom_components.centrex.api import (
    CentrexAuthenticationError,
    CentrexConnectionError,
    CentrexPermissionError,
    CentrexRequestError,
)
from custom_components.centrex.api.ami import MESSAGES_PER_TURN, AmiClient, encode

from .fakes.ami import SECRET, FakeAmi


@pytest.fixture
async def fake(socket_enabled: None) -> AsyncGenerator[FakeAmi]:
    server = FakeAmi()
    await server.start()
    yield server
    await server.close()


def _client(fake: FakeAmi, secret: str = SECRET, timeout: float = 2) -> AmiClient:
    return AmiClient("127.0.0.1", fake.port, "centrex", secret, timeout=timeout)


async def test_login_actions_and_events(fake: FakeAmi) -> None:
    client = _client(fake)
    await client.async_connect()
    events: list[dict[str, str]] = []
    client.on_event = events.append
    await client.async_action("DBPut", {"Family": "CF", "Key": "201", "Val": "0612345678"})
    assert fake.astdb == {"CF/201": "0612345678"}
    # An event list: the acknowledgement, the item, the completion.
    _ack, item, done = await client.async_action("DBGet", {"Family": "CF", "Key": "201"})
    assert item["Val"] == "0612345678"
    assert done["EventList"] == "Complete"
    await fake.send_event(Event="DeviceStateChange", Device="Custom:CF201", State="INUSE")
    await asyncio.sleep(0.05)
    assert events == [{"Event": "DeviceStateChange", "Device": "Custom:CF201", "State": "INUSE"}]
    await client.async_close()


async def test_wrong_secret_is_an_authentication_error(fake: FakeAmi) -> None:
    with pytest.raises(CentrexAuthenticationError):
        await _client(fake, secret="wrong").async_connect()


async def test_refused_connection(socket_enabled: None) -> None:
    with pytest.raises(CentrexConnectionError):
        await AmiClient("127.0.0.1", 1, "centrex", "secret", timeout=2).async_connect()


async def test_missing_class_is_a_permission_error(fake: FakeAmi) -> None:
    fake.denied = {"DBPut"}
    client = _client(fake)
    await client.async_connect()
    with pytest.raises(CentrexPermissionError) as denied:
        await client.async_action("DBPut", {"Family": "DND", "Key": "201", "Val": "YES"})
    assert denied.value.missing == "system"
    with pytest.raises(CentrexRequestError):
        await client.async_action("DBGet", {"Family": "CF", "Key": "999"})
    await client.async_close()


async def test_slow_answer_times_out(fake: FakeAmi) -> None:
    client = _client(fake, timeout=0.3)
    await client.async_connect()
    fake.delay = 1
    with pytest.raises(CentrexConnectionError, match="not answered"):
        await client.async_action("Ping")
    await client.async_close()


async def test_dropped_connection_fails_pending_actions_and_says_so(fake: FakeAmi) -> None:
    fake.drop_after_login = True
    client = _client(fake)
    await client.async_connect()
    assert client.closed is not None
    reason = await asyncio.wait_for(client.closed, 2)
    assert "closed the connection" in reason
    with pytest.raises(CentrexConnectionError):
        await client.async_action("Ping")


async def test_malformed_frame_ends_the_connection(fake: FakeAmi) -> None:
    client = _client(fake)
    await client.async_connect()
    fake.garbage = b"this is not AMI\r\n\r\n"
    with pytest.raises(CentrexConnectionError):
        await client.async_action("Ping")
    assert client.closed is not None
    assert client.closed.done()


async def test_a_long_answer_is_parsed_a_few_hundred_messages_at_a_time(fake: FakeAmi) -> None:
    """A large PBX's answer arrives already buffered: other tasks run while it is parsed."""
    keys = 10 * MESSAGES_PER_TURN
    fake.astdb = {f"AMPUSER/{n}/cidname": f"Extension {n}" for n in range(keys)}
    client = _client(fake)
    await client.async_connect()
    read = asyncio.create_task(client.async_action("DBGetTree", {"Family": "AMPUSER"}))
    # Loop turns taken while the answer's list was partly read.
    turns_mid_list = 0
    while not read.done():
        await asyncio.sleep(0)
        turns_mid_list += bool(client._lists)  # the list being read
    assert len(read.result()) == keys + 2
    assert turns_mid_list >= keys // MESSAGES_PER_TURN - 1
    await client.async_close()


def test_fields_cannot_break_the_framing() -> None:
    with pytest.raises(CentrexRequestError):
        encode({"Action": "DBPut", "Val": "x\r\nAction: Originate"})
