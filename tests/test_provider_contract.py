"""One behaviour, every driver: the demo, OVH and sipgate over HTTP, Asterisk over AMI, against their fakes."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, replace

import aiohttp
import pytest

from custom_components.centrex.api import (
    CentrexAuthenticationError,
    CentrexConnectionError,
    CentrexLineNotFoundError,
    CentrexProvider,
    CentrexRateLimitError,
    CentrexRequestError,
    Forwarding,
    ForwardKind,
    ForwardRule,
    Line,
    create_provider,
)
from custom_components.centrex.api.numbers import is_e164

from .conftest import asterisk_data
from .fakes.ami import SECRET, USERNAME, FakeAmi
from .fakes.base import FakeServer, Fault
from .fakes.ovh import APPLICATION_KEY, APPLICATION_SECRET, CONSUMER_KEY, FakeOvh
from .fakes.sipgate import TOKEN, TOKEN_ID, FakeSipgate

MOBILE = "+33612345678"


@dataclass
class Harness:
    """A driver and, for the HTTP ones, the fake it talks to."""

    provider: CentrexProvider
    fake: FakeServer | FakeOvh | FakeSipgate | FakeAmi | None

    def network(self) -> FakeServer:
        if self.fake is None:
            pytest.skip("the demo account has no network to fail")
        if isinstance(self.fake, FakeAmi):
            pytest.skip("no HTTP: the manager interface's faults are in test_asterisk_fake.py")
        return self.fake


async def _make(
    name: str, session: aiohttp.ClientSession
) -> tuple[CentrexProvider, FakeServer | FakeAmi | None]:
    if name == "demo":
        return create_provider("demo", session, {"seed": "contract"}), None
    if name == "asterisk":
        pbx = FakeAmi.office()
        await pbx.start()
        config = asterisk_data(pbx.port, USERNAME, SECRET)
        driver = type(create_provider(name, session, config))
        return driver(session, config, timeout=0.5), pbx  # type: ignore[call-arg]
    if name == "ovh":
        fake: FakeServer = FakeOvh()
        config = {
            "application_key": APPLICATION_KEY,
            "application_secret": APPLICATION_SECRET,
            "consumer_key": CONSUMER_KEY,
        }
    else:
        fake = FakeSipgate()
        config = {"token_id": TOKEN_ID, "token": TOKEN}
    config["base_url"] = await fake.start() + ("/1.0" if name == "ovh" else "/v2")
    provider_cls = type(create_provider(name, session, config))
    return provider_cls(session, config, timeout=0.5), fake  # type: ignore[call-arg]


@pytest.fixture(params=["demo", "ovh", "sipgate", "asterisk"])
async def harness(request: pytest.FixtureRequest, socket_enabled: None) -> AsyncGenerator[Harness]:
    async with aiohttp.ClientSession() as session:
        provider, fake = await _make(request.param, session)
        try:
            yield Harness(provider, fake)
        finally:
            await provider.async_close()
            if fake is not None:
                await fake.close()


async def _forwarding_line(provider: CentrexProvider) -> Line:
    lines = await provider.async_get_lines()
    return next(line for line in lines if line.features.forward_kinds)


async def test_lists_lines_with_their_state(harness: Harness) -> None:
    lines = await harness.provider.async_get_lines()
    assert lines
    assert len({line.id for line in lines}) == len(lines)
    for line in lines:
        assert line.number is None or is_e164(line.number)
        assert (await harness.provider.async_get_line(line.id)).forwarding == line.forwarding
    account = await harness.provider.async_get_account()
    assert account.id
    assert account.provider == harness.provider.name


async def test_set_and_clear_each_supported_kind(harness: Harness) -> None:
    line = await _forwarding_line(harness.provider)
    for kind in sorted(line.features.forward_kinds):
        on = Forwarding({kind: ForwardRule(active=True, destination=MOBILE)}, no_answer_delay=20)
        await harness.provider.async_set_forwarding(line.id, on)
        read = (await harness.provider.async_get_line(line.id)).forwarding
        assert read.rule(kind) == ForwardRule(active=True, destination=MOBILE), kind
        if kind is ForwardKind.NO_ANSWER:
            assert read.no_answer_delay == 20

        off = Forwarding({kind: ForwardRule(active=False, destination=MOBILE)}, no_answer_delay=20)
        await harness.provider.async_set_forwarding(line.id, off)
        read = (await harness.provider.async_get_line(line.id)).forwarding
        assert not read.is_active(kind), kind


async def test_do_not_disturb(harness: Harness) -> None:
    lines = await harness.provider.async_get_lines()
    line = next(line for line in lines if line.features.do_not_disturb)
    await harness.provider.async_set_do_not_disturb(line.id, True)
    assert (await harness.provider.async_get_line(line.id)).do_not_disturb
    await harness.provider.async_set_do_not_disturb(line.id, False)
    assert not (await harness.provider.async_get_line(line.id)).do_not_disturb


@pytest.mark.parametrize(
    "forwarding",
    [
        Forwarding({ForwardKind.UNCONDITIONAL: ForwardRule(active=True, destination="12ab")}),
        Forwarding({ForwardKind.UNCONDITIONAL: ForwardRule(active=True)}),
        Forwarding(
            {ForwardKind.NO_ANSWER: ForwardRule(active=True, destination=MOBILE)},
            no_answer_delay=601,
        ),
    ],
    ids=["not-a-number", "no-destination", "delay-out-of-range"],
)
async def test_invalid_forwarding_rejected_and_nothing_changes(
    harness: Harness, forwarding: Forwarding
) -> None:
    line = await _forwarding_line(harness.provider)
    with pytest.raises(CentrexRequestError):
        await harness.provider.async_set_forwarding(line.id, forwarding)
    assert (await harness.provider.async_get_line(line.id)).forwarding == line.forwarding


@pytest.mark.parametrize("line_id", ["nope", "../../me", "ovhtel-1_0033/../x"])
async def test_unknown_line(harness: Harness, line_id: str) -> None:
    await harness.provider.async_get_lines()
    with pytest.raises(CentrexLineNotFoundError):
        await harness.provider.async_get_line(line_id)


async def test_auth_failure(harness: Harness) -> None:
    fake = harness.fake
    if fake is None:
        pytest.skip("the demo account has no credentials to revoke")
    await harness.provider.async_get_lines()
    fake.revoke()  # type: ignore[union-attr]
    with pytest.raises(CentrexAuthenticationError):
        await harness.provider.async_get_lines()


@pytest.mark.parametrize(
    "fault",
    [
        Fault(delay=2),
        Fault(status=503, body={"message": "Service Unavailable"}),
        Fault(malformed=True),
        # aiohttp retries an idempotent request once on a dropped connection.
        Fault(drop=True, times=20),
    ],
    ids=["timeout", "server-error", "malformed-json", "dropped-connection"],
)
async def test_unreachable_provider(harness: Harness, fault: Fault) -> None:
    fake = harness.network()
    await harness.provider.async_get_lines()
    fake.inject(replace(fault))  # parameters are shared between drivers: copy
    with pytest.raises(CentrexConnectionError):
        await harness.provider.async_get_lines()
    fake.faults.clear()
    # Once the provider is back, everything works again.
    assert await harness.provider.async_get_lines()


async def test_rate_limited(harness: Harness) -> None:
    fake = harness.network()
    await harness.provider.async_get_lines()
    fake.inject(Fault(status=429, retry_after=7, body={"message": "Too many requests"}))
    with pytest.raises(CentrexRateLimitError) as excinfo:
        await harness.provider.async_get_lines()
    assert excinfo.value.retry_after == 7
