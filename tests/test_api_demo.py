"""The demo driver and the provider-neutral helpers, without Home Assistant."""

from __future__ import annotations

import aiohttp
import pytest

from custom_components.centrex.api import (
    CentrexLineNotFoundError,
    CentrexMissingDestinationError,
    CentrexRequestError,
    Forwarding,
    ForwardingMode,
    ForwardKind,
    ForwardRule,
    InvalidPhoneNumberError,
    LineFeatures,
    available_modes,
    create_provider,
    current_destination,
    current_mode,
    to_e164,
    with_destination,
    with_mode,
)
from custom_components.centrex.api.demo import DemoProvider

MOBILE = "+33612345678"


@pytest.fixture
async def demo() -> DemoProvider:
    async with aiohttp.ClientSession() as session:
        provider = create_provider("demo", session, {"seed": "unit"})
        assert isinstance(provider, DemoProvider)
        return provider


async def test_account_has_a_small_office(demo: DemoProvider) -> None:
    account = await demo.async_get_account()
    lines = await demo.async_get_lines()
    assert account.provider == "demo"
    assert len(lines) >= 6
    assert {line.device_kind.value for line in lines} == {"desk_phone", "softphone"}
    assert any(line.holder for line in lines)
    assert any(line.registered is False for line in lines)


@pytest.mark.parametrize(
    ("forwarding", "field"),
    [
        (Forwarding(no_answer_delay=3), "no_answer_delay"),
        (Forwarding(no_answer_delay=61), "no_answer_delay"),
        (Forwarding(no_answer_delay=22), "no_answer_delay"),
        (Forwarding({ForwardKind.BUSY: ForwardRule(active=True)}), "destination"),
        (Forwarding({ForwardKind.BUSY: ForwardRule(destination="0612345678")}), "destination"),
        (Forwarding({ForwardKind.BUSY: ForwardRule(destination="+3361234")}), "destination"),
    ],
)
async def test_invalid_forwarding_is_rejected(
    demo: DemoProvider, forwarding: Forwarding, field: str
) -> None:
    before = await demo.async_get_line("workshop")
    with pytest.raises(CentrexRequestError) as excinfo:
        await demo.async_set_forwarding("workshop", forwarding)
    assert excinfo.value.field == field
    assert await demo.async_get_line("workshop") == before


async def test_inactive_rule_without_destination_is_accepted(demo: DemoProvider) -> None:
    forwarding = Forwarding({ForwardKind.BUSY: ForwardRule()}, no_answer_delay=30)
    await demo.async_set_forwarding("workshop", forwarding)
    assert (await demo.async_get_line("workshop")).forwarding == forwarding


async def test_unknown_line(demo: DemoProvider) -> None:
    with pytest.raises(CentrexLineNotFoundError):
        await demo.async_get_line("../account")
    with pytest.raises(CentrexLineNotFoundError):
        await demo.async_set_do_not_disturb("nope", True)


def test_modes_follow_the_supported_kinds() -> None:
    no_busy = LineFeatures(
        forward_kinds=frozenset({ForwardKind.UNCONDITIONAL, ForwardKind.NO_ANSWER}),
        no_answer_delay=None,
        do_not_disturb=False,
    )
    assert available_modes(no_busy) == [
        ForwardingMode.OFF,
        ForwardingMode.ALWAYS,
        ForwardingMode.NO_ANSWER,
    ]


def test_unconditional_wins_over_other_rules() -> None:
    forwarding = Forwarding(
        {
            ForwardKind.UNCONDITIONAL: ForwardRule(active=True, destination=MOBILE),
            ForwardKind.BUSY: ForwardRule(active=True, destination="+33100000000"),
        }
    )
    assert current_mode(forwarding) is ForwardingMode.ALWAYS
    assert current_destination(forwarding) == MOBILE


def test_mode_changes_keep_destinations_and_the_unreachable_rule() -> None:
    unreachable = ForwardRule(active=True, destination="+33699999999")
    forwarding = Forwarding({ForwardKind.UNREACHABLE: unreachable})
    # With no other destination, the unreachable one is the one to reuse.
    assert current_destination(forwarding) == "+33699999999"
    assert current_destination(Forwarding()) is None

    busy = with_mode(forwarding, ForwardingMode.BUSY_OR_NO_ANSWER, MOBILE)
    assert current_mode(busy) is ForwardingMode.BUSY_OR_NO_ANSWER
    assert busy.rule(ForwardKind.UNREACHABLE) == unreachable

    off = with_mode(busy, ForwardingMode.OFF, None)
    assert current_mode(off) is ForwardingMode.OFF
    assert current_destination(off) == MOBILE
    assert off.rule(ForwardKind.UNREACHABLE) == unreachable

    with pytest.raises(CentrexMissingDestinationError):
        with_mode(forwarding, ForwardingMode.ALWAYS, None)


def test_destination_change_applies_to_the_active_rules_only() -> None:
    features = LineFeatures(frozenset(ForwardKind), None, do_not_disturb=True)
    forwarding = with_mode(Forwarding(), ForwardingMode.BUSY, MOBILE)
    changed = with_destination(forwarding, "+33700000000", features)
    assert changed.rule(ForwardKind.BUSY).destination == "+33700000000"
    assert changed.rule(ForwardKind.UNCONDITIONAL).destination is None


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("06 12 34 56 78", "FR", MOBILE),
        ("+33 6 12 34 56 78", None, MOBILE),
        ("0033612345678", "FR", MOBILE),
        ("030 1234567", "DE", "+49301234567"),
    ],
)
def test_numbers_are_normalised_to_e164(text: str, region: str | None, expected: str) -> None:
    assert to_e164(text, region) == expected


@pytest.mark.parametrize("text", ["", "abc", "06 12", "0612345678", "+" + "1" * 50])
def test_invalid_numbers(text: str) -> None:
    with pytest.raises(InvalidPhoneNumberError):
        to_e164(text)
