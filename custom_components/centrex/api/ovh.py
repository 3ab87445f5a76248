"""OVHcloud Telecom: the /telephony API of api.ovh.com, signed with application keys.

Facts used here (endpoints, signing, fields) are those of OVH's published API
schema and its official Python client; where the documentation is silent the
choice is marked "inferred".
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import ClientSession

from .budget import RequestBudget
from .exceptions import (
    CentrexAuthenticationError,
    CentrexConnectionError,
    CentrexError,
    CentrexInvalidRequestError,
    CentrexLineNotFoundError,
    CentrexPermissionError,
    InvalidPhoneNumberError,
)
from .http import HttpProvider, path
from .models import (
    OTHER_PREFIX,
    VOICEMAIL,
    Account,
    DelayRange,
    DeviceKind,
    Forwarding,
    ForwardKind,
    ForwardRule,
    Line,
    LineEvent,
    LineEventType,
    LineFeatures,
    LineOption,
    destination_line_id,
    is_other_destination,
    line_destination,
)
from .numbers import to_e164
from .provider import CredentialField, EventCallback, PendingAuthorization, PushKind

OVH_EU_API = "https://eu.api.ovh.com/1.0"  # telephony exists only on the EU API
OVH_EVENTS = "https://events.voip.ovh.net"
#: Event tokens are created for a day and renewed a little before.
EVENT_TOKEN_EXPIRATION = "1 day"  # noqa: S105 - a duration, not a secret
EVENT_TOKEN_RENEWAL = timedelta(hours=23)
#: The events server answers a long poll within about a minute.
POLL_TIMEOUT = 70
#: How long, after ringing stopped, a call may still turn out answered: OVH
#: does not document whether `start_calling` comes before or after
#: `end_ringing` on an answered call, so a missed call is told only then.
ANSWER_GRACE = 5.0
#: OVH's line events, mapped to ours (inferred from the CTI documentation:
#: start_ringing = ringing, start_calling = picked up, end_* = hung up).
_OVH_EVENTS = {
    "start_ringing": LineEventType.INCOMING,
    "start_calling": LineEventType.ANSWERED,
    "end_ringing": LineEventType.MISSED,
    "end_calling": LineEventType.ENDED,
    "registered": LineEventType.REGISTERED,
}

#: The rights requested for a new consumer key: read telephony, change line
#: options, create the billing account's event token when it has none (live
#: events; never delete it: other consumers share it), read the account's
#: handle and the key's own expiry.
ACCESS_RULES = (
    {"method": "GET", "path": "/me"},
    {"method": "GET", "path": "/auth/currentCredential"},
    {"method": "GET", "path": "/telephony"},
    {"method": "GET", "path": "/telephony/*"},
    {"method": "PUT", "path": "/telephony/*/line/*/options"},
    {"method": "POST", "path": "/telephony/*/eventToken"},
)

#: OVH asks for fair use, about 60 requests a minute per consumer key.
REQUESTS_PER_MINUTE = 60
#: Requests to refresh one line: its options and its last registrations (its
#: voicemail's inbox is read every `INBOX_INTERVAL` only).
REQUESTS_PER_LINE = 2
#: How often a line's voicemail inbox is counted, in seconds.
INBOX_INTERVAL = 300
#: How often the list of lines is fetched again (new or removed lines).
DISCOVERY_INTERVAL = timedelta(minutes=15)
#: A line counts as registered when its newest SIP registration is younger
#: than this. OVH publishes no registration expiry; phones re-register every
#: few minutes, so 15 minutes tolerates a missed renewal (inferred).
REGISTRATION_FRESHNESS = timedelta(minutes=15)
#: OVH's schema gives no range for forwardNoReplyDelay; OVH's own manager
#: accepts 5 to 60 seconds.
OVH_DELAYS = DelayRange(minimum=5, maximum=60, step=1)
#: Line options the schema marks read-only: never sent back.
_READ_ONLY_OPTIONS = frozenset({"proxy", "voicemailExternalNumber", "voicemailInternalNumber"})
#: Only these services carry line options (as in OVH's own manager).
LINE_FEATURE_TYPES = frozenset({"sip", "mgcp"})

_AUTH_ERROR_CODES = frozenset({"INVALID_KEY", "INVALID_CREDENTIAL", "NOT_CREDENTIAL"})
_KIND_FIELDS = {
    ForwardKind.UNCONDITIONAL: "forwardUnconditional",
    ForwardKind.BUSY: "forwardBusy",
    ForwardKind.NO_ANSWER: "forwardNoReply",
    ForwardKind.UNREACHABLE: "forwardBackup",
}
#: Line options shown as switches, by their field in telephony.LineOptions.
_OPTION_FIELDS = {
    LineOption.ANONYMOUS_CALL_REJECTION: "anonymousCallRejection",
    LineOption.HIDE_NUMBER: "identificationRestriction",
}
OVH_FEATURES = LineFeatures(
    forward_kinds=frozenset(_KIND_FIELDS),
    no_answer_delay=OVH_DELAYS,
    do_not_disturb=True,
    options=frozenset(_OPTION_FIELDS),
    voicemail_messages=True,
)


def ovh_signature(
    secret: str, consumer_key: str, method: str, url: str, body: str, timestamp: str
) -> str:
    """Sign a request exactly as OVH's official clients do."""
    payload = f"{secret}+{consumer_key}+{method.upper()}+{url}+{body}+{timestamp}"
    return "$1$" + hashlib.sha1(payload.encode()).hexdigest()  # noqa: S324 - OVH's protocol


def from_ovh_number(number: str | None) -> str | None:
    """Convert OVH's international form (0033…) to E.164; None when empty or unreadable."""
    if not number:
        return None
    try:
        return to_e164("+" + number[2:] if number.startswith("00") else number, "FR")
    except InvalidPhoneNumberError:
        return None


def to_ovh_number(e164: str) -> str:
    """Convert an E.164 number to OVH's international form (0033…)."""
    if not e164.startswith("+") or not e164[1:].isdigit():
        raise CentrexInvalidRequestError("destination is not E.164", field="destination")
    return "00" + e164[1:]


@dataclass(frozen=True, slots=True)
class _LineRef:
    billing_account: str
    service_name: str
    description: str

    @property
    def id(self) -> str:
        return f"{self.billing_account}_{self.service_name}"


class OvhProvider(HttpProvider):
    """An OVHcloud Telecom account, through one consumer key."""

    name = "ovh"
    display_name = "OVHcloud Telecom"
    default_base_url = OVH_EU_API
    credential_fields = (
        CredentialField("application_key", sensitive=True),
        CredentialField("application_secret", secret=True),
        CredentialField("consumer_key", secret=True, required=False),
        CredentialField("base_url", required=False, default=OVH_EU_API, advanced=True),
        CredentialField("events_url", required=False, default=OVH_EVENTS, advanced=True),
    )
    push = PushKind.STREAM
    #: Seconds to wait, after ringing stopped, for a pick-up before telling a missed call.
    answer_grace: float = ANSWER_GRACE

    def __init__(
        self, session: ClientSession, config: Mapping[str, Any], timeout: float = 20
    ) -> None:
        """Prepare signing; the clock offset is learnt on the first request."""
        super().__init__(session, config, timeout)
        self._application_key = str(config.get("application_key", ""))
        self._application_secret = str(config.get("application_secret", ""))
        self._consumer_key = str(config.get("consumer_key") or "")
        self._time_delta: int | None = None
        self.budget = RequestBudget(REQUESTS_PER_MINUTE)
        self._refs: dict[str, _LineRef] = {}
        self._lines_by_number: dict[str, str] = {}
        self._discovered_at: datetime | None = None
        self._lines: dict[str, Line] = {}
        self._refreshed_at: dict[str, float] = {}
        self._inbox_read_at: dict[str, float] = {}
        self.events_url = str(config.get("events_url") or OVH_EVENTS).rstrip("/")
        self._answered: set[str] = set()
        #: Calls whose ringing stopped without being answered (yet): call id → timer.
        self._unanswered: dict[str, asyncio.TimerHandle] = {}
        #: The billing accounts' event tokens (token → billing account), reused
        #: across reconnections, and when they were last looked up.
        self._tokens: dict[str, str] = {}
        self._tokens_read_at: float | None = None

    # -- signing ---------------------------------------------------------

    def _headers(self, method: str, url: str, body: str) -> dict[str, str]:
        headers = {"X-Ovh-Application": self._application_key}
        if self._consumer_key and self._time_delta is not None:
            timestamp = str(int(time.time()) + self._time_delta)
            headers["X-Ovh-Consumer"] = self._consumer_key
            headers["X-Ovh-Timestamp"] = timestamp
            headers["X-Ovh-Signature"] = ovh_signature(
                self._application_secret, self._consumer_key, method, url, body, timestamp
            )
        return headers

    def _error(self, status: int, payload: Any) -> Exception | None:
        if status != 403 or not isinstance(payload, dict):
            return None
        message = str(payload.get("message", ""))[:120]
        if payload.get("errorCode") in _AUTH_ERROR_CODES:
            return CentrexAuthenticationError(message)
        return CentrexPermissionError(message)

    async def _signed(self, method: str, resource: str, data: Any = None) -> Any:
        if not self._consumer_key:
            raise CentrexAuthenticationError("no consumer key")
        if self._time_delta is None:
            # OVH checks the timestamp against its own clock: learn the offset once.
            server_time = await self.request("GET", "/auth/time")
            self._time_delta = int(server_time) - int(time.time())
        body = "" if data is None else json.dumps(data, separators=(",", ":"))
        return await self.request(method, resource, body)

    # -- credentials and account ----------------------------------------

    async def async_prepare_credentials(self) -> PendingAuthorization | None:
        """Ask OVH for a consumer key when the user has none yet."""
        if self._consumer_key:
            return None
        body = json.dumps({"accessRules": list(ACCESS_RULES), "redirection": None})
        answer = await self.request("POST", "/auth/credential", body)
        self._consumer_key = answer["consumerKey"]
        return PendingAuthorization(
            url=answer["validationUrl"],
            config={**self.config, "consumer_key": answer["consumerKey"]},
        )

    async def async_get_credentials_expiry(self) -> datetime | None:
        """Return when the consumer key expires (None when it never does or OVH won't say).

        Keys created before `/auth/currentCredential` was among the requested
        rights may be refused it: the expiry is then unknown, nothing fails.
        """
        try:
            credential = await self._signed("GET", "/auth/currentCredential")
        except CentrexPermissionError:
            return None
        expiration = credential.get("expiration") if isinstance(credential, dict) else None
        if not expiration:
            return None
        try:
            when = datetime.fromisoformat(str(expiration))
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)

    def request_budget(self) -> tuple[int, int]:
        """Return the requests of the last minute and the fair-use allowance."""
        assert self.budget is not None  # noqa: S101 - set in __init__
        return self.budget.used_last_minute(), REQUESTS_PER_MINUTE

    async def async_get_account(self) -> Account:
        """Identify the account by its OVH handle."""
        me = await self._signed("GET", "/me")
        handle = str(me["nichandle"])
        return Account(id=f"ovh-{handle}", name=f"OVHcloud Telecom {handle}", provider=self.name)

    # -- lines -------------------------------------------------------------

    async def _discover(self) -> None:
        refs: dict[str, _LineRef] = {}
        for billing_account in await self._signed("GET", "/telephony"):
            names = await self._signed("GET", path("telephony", billing_account, "line"))
            services = await asyncio.gather(
                *(
                    self._signed("GET", path("telephony", billing_account, "service", name))
                    for name in names
                )
            )
            for service_name, service in zip(names, services, strict=True):
                if service.get("featureType") not in LINE_FEATURE_TYPES:
                    continue
                description = str(service.get("description") or "")
                ref = _LineRef(billing_account, service_name, description)
                refs[ref.id] = ref
        self._refs = refs
        # Which OVH number is which line of the account: fixed until the next discovery.
        self._lines_by_number = {ref.service_name: ref.id for ref in refs.values()}
        self._discovered_at = datetime.now(UTC)
        for gone in set(self._lines) - set(refs):
            del self._lines[gone]

    async def async_get_lines(self) -> list[Line]:
        """Refresh as many lines as the request budget allows, oldest first.

        Every line is loaded once; after that, lines are refreshed round-robin
        so that polling never exceeds OVH's fair-use allowance, whatever the
        number of lines.
        """
        stale_discovery = (
            self._discovered_at is None
            or datetime.now(UTC) - self._discovered_at > DISCOVERY_INTERVAL
        )
        if stale_discovery:
            await self._discover()
        assert self.budget is not None  # noqa: S101 - set in __init__
        never_loaded = [ref for ref in self._refs.values() if ref.id not in self._lines]
        share = max(1, self.budget.available() // REQUESTS_PER_LINE - len(never_loaded))
        by_age = sorted(
            (ref for ref in self._refs.values() if ref.id in self._lines),
            key=lambda ref: self._refreshed_at.get(ref.id, 0),
        )
        # Lines are read concurrently: a refresh costs a round trip or two,
        # whatever the number of lines (the budget still counts each request).
        await asyncio.gather(*(self._load(ref) for ref in [*never_loaded, *by_age[:share]]))
        return [self._lines[line_id] for line_id in self._refs]

    async def async_get_line(self, line_id: str) -> Line:
        """Read one line now."""
        return await self._load(self._ref(line_id))

    def _ref(self, line_id: str) -> _LineRef:
        try:
            return self._refs[line_id]
        except KeyError:
            raise CentrexLineNotFoundError("unknown line", field="line") from None

    def _line_path(self, ref: _LineRef, *rest: str) -> str:
        return path("telephony", ref.billing_account, "line", ref.service_name, *rest)

    async def _inbox(self, ref: _LineRef) -> int | None:
        """Count the messages in the line's voicemail inbox (heard ones move to "old").

        Read at most every `INBOX_INTERVAL` per line: a new message can wait a
        few minutes, the fair-use budget is better spent on forwarding.
        """
        known = self._lines.get(ref.id)
        read_at = self._inbox_read_at.get(ref.id)
        if (
            known is not None
            and read_at is not None
            and time.monotonic() - read_at < INBOX_INTERVAL
        ):
            return known.new_voicemails
        self._inbox_read_at[ref.id] = time.monotonic()
        resource = path("telephony", ref.billing_account, "voicemail", ref.service_name)
        try:
            messages = await self._signed("GET", f"{resource}/directories?dir=inbox")
        except CentrexLineNotFoundError, CentrexPermissionError:
            return None  # no voicemail on this line, or not readable with this key
        return len(messages) if isinstance(messages, list) else None

    async def _load(self, ref: _LineRef) -> Line:
        options, registrations, inbox = await asyncio.gather(
            self._signed("GET", self._line_path(ref, "options")),
            self._signed("GET", self._line_path(ref, "lastRegistrations")),
            self._inbox(ref),
        )
        if not isinstance(options, dict) or not isinstance(registrations, list):
            raise CentrexError("unexpected answer from OVH")
        number = from_ovh_number(ref.service_name)
        line = Line(
            id=ref.id,
            name=ref.description or number or ref.service_name,
            number=number,
            device_kind=DeviceKind.DESK_PHONE,
            features=OVH_FEATURES,
            forwarding=self._forwarding_from_options(options),
            do_not_disturb=bool(options.get("doNotDisturb")),
            registered=_is_registered(registrations),
            options={option: bool(options.get(f)) for option, f in _OPTION_FIELDS.items()},
            new_voicemails=inbox,
            # OVH has no live-call endpoint for lines; call state comes from events.
            call_state=self._lines[ref.id].call_state if ref.id in self._lines else None,
        )
        self._lines[ref.id] = line
        self._refreshed_at[ref.id] = time.monotonic()
        return line

    # -- events -----------------------------------------------------------

    async def _event_tokens(self) -> dict[str, str]:
        """Return each billing account's event token (token → billing account).

        The token is shared by every consumer of the account's events (a CRM
        connector, OVH's own tools, another Home Assistant): the existing one
        is reused, one is created only where there is none, and none is ever
        deleted. Tokens are looked up again once a day, not on every retry.
        """
        fresh = self._tokens_read_at is not None and (
            time.monotonic() - self._tokens_read_at < EVENT_TOKEN_RENEWAL.total_seconds()
        )
        if self._tokens and fresh:
            return self._tokens
        tokens: dict[str, str] = {}
        for billing_account in await self._signed("GET", "/telephony"):
            resource = path("telephony", billing_account, "eventToken")
            try:
                existing = await self._signed("GET", resource)
                token = existing.get("token") if isinstance(existing, dict) else None
            except CentrexLineNotFoundError:
                token = None
            if not token:
                token = await self._signed("POST", resource, {"expiration": EVENT_TOKEN_EXPIRATION})
            tokens[str(token)] = billing_account
        self._tokens, self._tokens_read_at = tokens, time.monotonic()
        return tokens

    async def _events(self, method: str, resource: str) -> tuple[int, str]:
        status, text, _ = await self.send(
            method, f"{self.events_url}{resource}", timeout=aiohttp.ClientTimeout(POLL_TIMEOUT)
        )
        if status >= 500:
            raise CentrexConnectionError(f"events server answered {status}")
        return status, text

    async def async_listen(self, on_event: EventCallback, on_connected: Callable[[], None]) -> None:
        """Follow OVH's telephony event stream (v2 sessions, long polling)."""
        try:
            while True:
                tokens = await self._event_tokens()
                assert self._tokens_read_at is not None  # noqa: S101 - set by _event_tokens
                renew_at = self._tokens_read_at + EVENT_TOKEN_RENEWAL.total_seconds()
                await self._follow_session(tokens, renew_at, on_event, on_connected)
        except asyncio.CancelledError:
            # Nobody listens any more: calls still in their grace period are dropped.
            for timer in self._unanswered.values():
                timer.cancel()
            self._unanswered.clear()
            raise

    async def _follow_session(
        self,
        tokens: dict[str, str],
        renew_at: float,
        on_event: EventCallback,
        on_connected: Callable[[], None],
    ) -> None:
        """Poll one session until it times out, vanishes or the tokens need renewing."""
        while time.monotonic() < renew_at:
            status, text = await self._events("POST", "/v2/session")
            session = _json(text, "session") if status < 300 else None
            session_id = session.get("id") if isinstance(session, dict) else None
            if not session_id:
                raise CentrexConnectionError("the events server refused a session")
            for token in tokens:
                status, _ = await self._events(
                    "POST", f"/v2/session/{quote(str(session_id), safe='')}/subscribe/{token}"
                )
                if status >= 300:
                    # The token may have been replaced or expired: look it up
                    # again next time (still without creating or deleting one).
                    self._tokens_read_at = None
                    raise CentrexConnectionError("the events server refused a subscription")
            on_connected()
            poll = f"/v2/session/{quote(str(session_id), safe='')}/events/poll"
            while time.monotonic() < renew_at:
                status, text = await self._events("GET", poll)
                if status == 404 or text.strip().startswith("Timeout"):
                    break  # the session expired: create a new one
                if status >= 300:
                    raise CentrexConnectionError(f"events poll answered {status}")
                for raw in _json(text, "events") or []:
                    if event := self._line_event(raw, tokens, on_event):
                        on_event(event)

    def _line_event(
        self, raw: Any, tokens: dict[str, str], on_event: EventCallback
    ) -> LineEvent | None:
        if not isinstance(raw, dict):
            return None
        kind = _OVH_EVENTS.get(str(raw.get("event", "")))
        billing_account = tokens.get(str(raw.get("token", "")))
        line_id = f"{billing_account}_{raw.get('ressource', '')}"
        if kind is None or billing_account is None or line_id not in self._refs:
            return None
        data: dict[str, Any] = raw["data"] if isinstance(raw.get("data"), dict) else {}
        call_id = str(data.get("CallId") or "") or None
        event = LineEvent(
            line_id, kind, call_id, caller=from_ovh_number(str(data.get("Calling") or ""))
        )
        if call_id is None:
            return event
        if kind is LineEventType.ANSWERED:
            self._answered.add(call_id)
            if timer := self._unanswered.pop(call_id, None):
                timer.cancel()  # ringing stopped first, then it was picked up
        elif kind is LineEventType.MISSED:
            if call_id not in self._answered and call_id not in self._unanswered:
                # Missed only if no pick-up follows soon (the order is undocumented).
                self._unanswered[call_id] = asyncio.get_running_loop().call_later(
                    self.answer_grace, self._missed, call_id, event, on_event
                )
            return None
        elif kind is LineEventType.ENDED:
            self._answered.discard(call_id)
        return event

    def _missed(self, call_id: str, event: LineEvent, on_event: EventCallback) -> None:
        if self._unanswered.pop(call_id, None) is not None:
            on_event(event)

    # -- writes ------------------------------------------------------------

    async def async_set_forwarding(self, line_id: str, forwarding: Forwarding) -> None:
        """Read the line's options, change the forward fields that differ, send them back.

        Every other option (and every forward the change does not target) is
        sent back exactly as read. Only a delay that changes is validated.
        """
        ref = self._ref(line_id)
        options = await self._signed("GET", self._line_path(ref, "options"))
        await self._put_options(ref, options, self.option_changes(options, forwarding))

    def option_changes(self, options: Mapping[str, Any], forwarding: Forwarding) -> dict[str, Any]:
        """Return the option fields that make the line's forwarding `forwarding`."""
        if forwarding.has_conflict():
            raise CentrexInvalidRequestError("unconditional forwarding excludes the others")
        current = self._forwarding_from_options(options)
        changes: dict[str, Any] = {}
        for kind, field in _KIND_FIELDS.items():
            rule, now = forwarding.rule(kind), current.rule(kind)
            if (rule.active, rule.destination) != (now.active, now.destination):
                changes.update(self._rule_fields(field, rule, now, options))
        delay = forwarding.no_answer_delay
        if delay is not None and delay != current.no_answer_delay:
            if not OVH_DELAYS.accepts(delay):
                raise CentrexInvalidRequestError(
                    "delay out of range (5 to 60 s)", field="no_answer_delay"
                )
            changes["forwardNoReplyDelay"] = delay
        return changes

    async def async_set_do_not_disturb(self, line_id: str, enabled: bool) -> None:  # noqa: FBT001
        """Switch the line's doNotDisturb option."""
        ref = self._ref(line_id)
        options = await self._signed("GET", self._line_path(ref, "options"))
        await self._put_options(ref, options, {"doNotDisturb": enabled})

    async def async_set_option(self, line_id: str, option: LineOption, enabled: bool) -> None:  # noqa: FBT001
        """Switch anonymous call rejection or number hiding."""
        ref = self._ref(line_id)
        options = await self._signed("GET", self._line_path(ref, "options"))
        await self._put_options(ref, options, {_OPTION_FIELDS[option]: enabled})

    async def _put_options(
        self, ref: _LineRef, options: Mapping[str, Any], changes: dict[str, Any]
    ) -> None:
        """Send the options as read, with `changes` (nothing when nothing changes)."""
        if all(options.get(key) == value for key, value in changes.items()):
            return
        body = {k: v for k, v in options.items() if k not in _READ_ONLY_OPTIONS} | changes
        await self._signed("PUT", self._line_path(ref, "options"), body)

    def _forwarding_from_options(self, options: Mapping[str, Any]) -> Forwarding:
        rules = {}
        for kind, field in _KIND_FIELDS.items():
            nature = options.get(f"{field}Nature")
            number = str(options.get(f"{field}Number") or "")
            label = None
            if nature == "voicemail":
                destination: str | None = VOICEMAIL
            elif nature not in {None, "number"}:
                # A fax service, say: kept as it is, shown by its number.
                destination, label = f"{OTHER_PREFIX}{nature}:{number}", number or None
            elif number in self._lines_by_number:
                destination = line_destination(self._lines_by_number[number])
            else:
                destination = from_ovh_number(number)
            rules[kind] = ForwardRule(
                active=bool(options.get(field)), destination=destination, label=label
            )
        delay = options.get("forwardNoReplyDelay")
        return Forwarding(rules, no_answer_delay=int(delay) if delay is not None else None)

    def _rule_fields(
        self, field: str, rule: ForwardRule, now: ForwardRule, options: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Return the option fields that make one forward `rule`."""
        if rule.active and not rule.destination:
            raise CentrexInvalidRequestError("a destination is needed", field="destination")
        fields: dict[str, Any] = {field: rule.active}
        if rule.destination == now.destination or not rule.destination:
            return fields  # only switched on or off: its destination stays as it is
        if not rule.active:
            return fields  # a destination for a forward that is off is ours to remember
        if is_other_destination(rule.destination):
            raise CentrexInvalidRequestError(
                "this destination can only be set in OVH's manager", field="destination"
            )
        if rule.destination == VOICEMAIL:
            fields[f"{field}Nature"] = "voicemail"
            fields[f"{field}Number"] = options.get("defaultVoicemail", "")
        elif (line_id := destination_line_id(rule.destination)) is not None:
            fields[f"{field}Nature"] = "number"
            fields[f"{field}Number"] = self._ref(line_id).service_name
        else:
            fields[f"{field}Nature"] = "number"
            fields[f"{field}Number"] = to_ovh_number(rule.destination)
        return fields


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as err:
        raise CentrexConnectionError(f"malformed {what} from the events server") from err


def _is_registered(registrations: list[Any]) -> bool:
    newest: datetime | None = None
    for registration in registrations:
        try:
            when = datetime.fromisoformat(str(registration["datetime"]))
        except KeyError, TypeError, ValueError:
            continue
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        newest = when if newest is None or when > newest else newest
    return newest is not None and datetime.now(UTC) - newest < REGISTRATION_FRESHNESS
