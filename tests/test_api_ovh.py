"""OVH specifics: request signing, consumer keys, the partial PUT, the request budget."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.centrex.api import (
    CentrexPermissionError,
    Forwarding,
    ForwardKind,
    ForwardRule,
)
from custom_components.centrex.api.budget import RequestBudget
from custom_components.centrex.api.models import VOICEMAIL, line_destination
from custom_components.centrex.api.ovh import (
    REQUESTS_PER_MINUTE,
    OvhProvider,
    from_ovh_number,
    ovh_signature,
)

from .fakes.base import Fault
from .fakes.ovh import (
    APPLICATION_KEY,
    APPLICATION_SECRET,
    BILLING_ACCOUNT,
    CONSUMER_KEY,
    NICHANDLE,
    FakeLine,
    FakeOvh,
    line_options,
)

RECEPTION = f"{BILLING_ACCOUNT}_0033184801200"
OPTIONS_PATH = f"/1.0/telephony/{BILLING_ACCOUNT}/line/0033184801200/options"


@pytest.mark.parametrize(
    ("secret", "consumer_key", "method", "url", "body", "timestamp", "signature"),
    [
        (
            "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF",
            "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1",
            "GET",
            "https://eu.api.ovh.com/1.0/domains/",
            "",
            "1366560945",
            "$1$d3705e8afb27a0d2970a322b96550abfc67bb798",
        ),
        (
            "appSecret",
            "consKey",
            "PUT",
            "/path/to/api",
            "TEST DATA",
            "123456789",
            "$1$8336ecc5d03640b976e0b3ba005234a3046ab695",
        ),
    ],
)
def test_published_signature_vectors(
    secret: str,
    consumer_key: str,
    method: str,
    url: str,
    body: str,
    timestamp: str,
    signature: str,
) -> None:
    assert ovh_signature(secret, consumer_key, method, url, body, timestamp) == signature


def test_ovh_numbers() -> None:
    assert from_ovh_number("0033612345678") == "+33612345678"
    assert from_ovh_number("") is None
    assert from_ovh_number("0000") is None


@pytest.fixture
def fake(ovh_fake: Any) -> Any:
    """The provider's fake, from the shared fixtures."""
    return ovh_fake


def _provider(
    session: aiohttp.ClientSession, fake: FakeOvh, consumer_key: str = CONSUMER_KEY
) -> OvhProvider:
    assert fake.server is not None
    return OvhProvider(
        session,
        {
            "application_key": APPLICATION_KEY,
            "application_secret": APPLICATION_SECRET,
            "consumer_key": consumer_key,
            "base_url": str(fake.server.make_url("/1.0")),
        },
    )


async def test_discovery_keeps_only_lines_with_options(
    fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    provider = _provider(client_session, fake)
    account = await provider.async_get_account()
    lines = {line.id: line for line in await provider.async_get_lines()}

    assert account.id == f"ovh-{NICHANDLE}"
    assert len(lines) == 3  # the fax line has no line options
    reception = lines[RECEPTION]
    assert reception.name == "Accueil"
    assert reception.number == "+33184801200"
    # It forwards to another line of the account: a colleague, not a number.
    assert reception.forwarding.rule(ForwardKind.NO_ANSWER) == ForwardRule(
        active=True, destination=line_destination(f"{BILLING_ACCOUNT}_0033184801210")
    )
    assert reception.registered is True
    # Registered 90 minutes ago only: too old to count.
    assert lines[f"{BILLING_ACCOUNT}_0033184801210"].registered is False
    # The clock offset was learnt once, before the first signed call.
    assert [r.path for r in fake.requests].count("/1.0/auth/time") == 1


READ_ONLY = {"proxy", "voicemailExternalNumber", "voicemailInternalNumber"}


def _sent_back(options: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The options as read, minus the schema's read-only fields, with `changes`."""
    return {k: v for k, v in options.items() if k not in READ_ONLY} | changes


async def test_forward_is_a_read_modify_write_in_ovh_number_form(
    fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    provider = _provider(client_session, fake)
    lines = {line.id: line for line in await provider.async_get_lines()}
    line = lines[RECEPTION]
    # Options we do not model, changed in OVH's manager since our last poll.
    fake.lines["0033184801200"].options |= {"callWaiting": False, "intercom": "prefixed"}
    before = dict(fake.lines["0033184801200"].options)
    forwarding = line.forwarding.with_rule(
        ForwardKind.BUSY, ForwardRule(active=True, destination="+33612345678")
    )
    await provider.async_set_forwarding(RECEPTION, forwarding)

    assert [(r.method, r.path, r.body) for r in fake.writes("/options")] == [
        (
            "PUT",
            OPTIONS_PATH,
            _sent_back(
                before,
                forwardBusy=True,
                forwardBusyNature="number",
                forwardBusyNumber="0033612345678",
            ),
        )
    ]


async def test_voicemail_destination(fake: FakeOvh, client_session: aiohttp.ClientSession) -> None:
    provider = _provider(client_session, fake)
    await provider.async_get_lines()
    forwarding = Forwarding({ForwardKind.UNCONDITIONAL: ForwardRule(True, VOICEMAIL)})
    await provider.async_set_forwarding(
        RECEPTION, forwarding.with_rule(ForwardKind.NO_ANSWER, ForwardRule(False, "+33184801210"))
    )
    options = fake.lines["0033184801200"].options
    assert options["forwardUnconditionalNature"] == "voicemail"
    assert options["forwardUnconditionalNumber"] == "0033184801200"
    line = await provider.async_get_line(RECEPTION)
    assert line.forwarding.rule(ForwardKind.UNCONDITIONAL) == ForwardRule(True, VOICEMAIL)


async def test_do_not_disturb_and_unchanged_forwarding_send_minimal_requests(
    fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    provider = _provider(client_session, fake)
    line = (await provider.async_get_lines())[0]
    before = dict(fake.lines["0033184801200"].options)
    await provider.async_set_forwarding(line.id, line.forwarding)  # nothing to change
    await provider.async_set_do_not_disturb(line.id, True)
    assert [r.body for r in fake.writes("/options")] == [_sent_back(before, doNotDisturb=True)]


async def test_consumer_key_request_and_validation(
    fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    provider = _provider(client_session, fake, consumer_key="")
    pending = await provider.async_prepare_credentials()
    assert pending is not None
    assert pending.url.startswith("https://eu.api.ovh.com/auth/?credentialToken=")
    new_key = pending.config["consumer_key"]
    request = next(r for r in fake.requests if r.path == "/1.0/auth/credential")
    rules = {(rule["method"], rule["path"]) for rule in request.body["accessRules"]}
    assert ("PUT", "/telephony/*/line/*/options") in rules
    assert all(method != "DELETE" or "eventToken" in path for method, path in rules)

    fake.validate(new_key)
    validated = _provider(client_session, fake, consumer_key=new_key)
    assert (await validated.async_get_account()).id == f"ovh-{NICHANDLE}"
    assert await _provider(client_session, fake).async_prepare_credentials() is None


async def test_missing_right_is_a_permission_error(
    fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    provider = _provider(client_session, fake)
    await provider.async_get_lines()
    fake.inject(
        Fault(
            status=403,
            body={
                "errorCode": "NOT_GRANTED_CALL",
                "httpCode": "403 Forbidden",
                "message": "This call has not been granted",
            },
        )
    )
    with pytest.raises(CentrexPermissionError):
        await provider.async_get_lines()


async def test_polling_stays_within_the_budget(
    fake: FakeOvh, client_session: aiohttp.ClientSession
) -> None:
    numbers = [f"00331848{index:05d}" for index in range(40)]

    fake.lines = {
        number: FakeLine(f"Line {number}", options=line_options(number)) for number in numbers
    }
    now = [0.0]
    waited = [0.0]

    async def sleep(seconds: float) -> None:
        waited[0] += seconds
        now[0] += seconds

    provider = _provider(client_session, fake)
    provider.budget = RequestBudget(REQUESTS_PER_MINUTE, clock=lambda: now[0], sleep=sleep)
    # The first load reads every line once (waiting on the budget if it must).
    assert len(await provider.async_get_lines()) == 40
    # Never more than the allowance in any minute: the first load had to wait.
    assert waited[0] > 0
    assert provider.budget.used_last_minute() <= REQUESTS_PER_MINUTE

    # Afterwards each refresh takes only what the budget has refilled.
    before = len(fake.requests)
    now[0] += 30
    await provider.async_get_lines()
    spent = len(fake.requests) - before
    assert 0 < spent < 2 * 40  # only part of the lines: the rest waits for the next cycles
    assert provider.budget.used_last_minute() <= REQUESTS_PER_MINUTE
    assert provider.request_budget()[1] == REQUESTS_PER_MINUTE
