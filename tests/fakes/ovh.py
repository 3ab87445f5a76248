"""A fake of OVHcloud's /1.0 API: signed requests, telephony lines and their options.

Requests and responses under /telephony are held to OVH's published schema
(tests/schemas/ovh-telephony.json); /auth, /me and the events server have no
published OpenAPI schema and are checked here by hand.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from .base import FakeServer

APPLICATION_KEY = "fakeAppKey0001"
APPLICATION_SECRET = "fakeAppSecret0000000000000000001"
CONSUMER_KEY = "fakeConsumerKey00000000000000001"
NICHANDLE = "dd1234-ovh"
BILLING_ACCOUNT = "ovhtel-12345678-1"

_NUMBER_FIELDS = {
    f"{name}Number"
    for name in ("forwardBackup", "forwardBusy", "forwardNoReply", "forwardUnconditional")
}
_OVH_NUMBER = re.compile(r"^00[1-9]\d{6,14}$")


def line_options(number: str, **changes: Any) -> dict[str, Any]:
    """A complete telephony.LineOptions object, as GET returns it."""
    options: dict[str, Any] = {
        "absentSubscriber": False,
        "anonymousCallRejection": False,
        "callRestrictionIncoming": False,
        "callRestrictionOutgoing": False,
        "callWaiting": True,
        "codecs": "G711a+G722_a",
        "defaultVoicemail": number,
        "displayNumber": number,
        "doNotDisturb": False,
        "domain": "sip.ovh.fr",
        "forwardBackup": False,
        "forwardBackupNature": "number",
        "forwardBackupNumber": "",
        "forwardBusy": False,
        "forwardBusyNature": "number",
        "forwardBusyNumber": "",
        "forwardNoReply": False,
        "forwardNoReplyDelay": 20,
        "forwardNoReplyNature": "number",
        "forwardNoReplyNumber": "",
        "forwardUnconditional": False,
        "forwardUnconditionalNature": "number",
        "forwardUnconditionalNumber": "",
        "identificationRestriction": False,
        "intercom": "no",
        "ipRestrictions": [],
        "language": "French",
        "lockOutCall": False,
        "lockOutCallPassword": None,
        "recordOutgoingCallsBeta": False,
        "toneOnCallWaitingSoundId": None,
        "toneOnHoldSoundId": None,
        "toneRingbackSoundId": None,
        "voicemailExternalNumber": number,
        "voicemailInternalNumber": "123",
    }
    options.update(changes)
    return options


@dataclass
class FakeLine:
    description: str
    feature_type: str = "sip"
    options: dict[str, Any] = field(default_factory=dict)
    registered_minutes_ago: float | None = 2
    #: The folder of each message in the line's voicemail (inbox: not heard yet).
    voicemail: list[str] = field(default_factory=list)


def _recent(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


@dataclass
class FakeOvh(FakeServer):
    """OVH's API for one account with one billing account of a few lines."""

    clock_skew: int = 37  # seconds between our clock and OVH's
    consumer_keys: dict[str, str] = field(default_factory=lambda: {CONSUMER_KEY: "validated"})
    lines: dict[str, FakeLine] = field(default_factory=dict)
    credential_expiration: str | None = None
    #: Older consumer keys were not granted GET /auth/currentCredential.
    current_credential_granted: bool = True
    poll_timeout: float = 2.0
    closing: bool = False
    #: token → billing account. A real account's token is usually there
    #: already, made by another consumer of its events (a CRM connector).
    event_tokens: dict[str, str] = field(
        default_factory=lambda: {f"crm-connector-token-{BILLING_ACCOUNT}": BILLING_ACCOUNT}
    )
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refuse_sessions: bool = False

    schema_file: str | None = "ovh-telephony.json"
    api_prefix: str = "/1.0"
    unpublished: tuple[str, ...] = ("/1.0/auth/", "/1.0/me", "/v2/")

    def schema_error(self, errors: list[str]) -> web.Response:
        return web.json_response(
            {"class": "Client::BadRequest", "message": "; ".join(errors)[:200]}, status=400
        )

    def __post_init__(self) -> None:
        if not self.lines:
            self.lines = {
                "0033184801200": FakeLine(
                    "Accueil",
                    voicemail=["inbox", "old", "inbox"],
                    options=line_options(
                        "0033184801200",
                        forwardNoReply=True,
                        forwardNoReplyNumber="0033184801210",
                    ),
                ),
                "0033184801201": FakeLine("Atelier", options=line_options("0033184801201")),
                "0033184801210": FakeLine(
                    "Commercial", options=line_options("0033184801210"), registered_minutes_ago=90
                ),
                "0033184801290": FakeLine("Fax", feature_type="plugAndFax"),
            }

    # -- authentication ---------------------------------------------------

    def now(self) -> int:
        return int(time.time()) + self.clock_skew

    def revoke(self) -> None:
        for key in self.consumer_keys:
            self.consumer_keys[key] = "expired"

    def validate(self, consumer_key: str) -> None:
        self.consumer_keys[consumer_key] = "validated"

    @staticmethod
    def _denied(code: str, message: str) -> web.Response:
        return web.json_response(
            {"errorCode": code, "httpCode": "403 Forbidden", "message": message}, status=403
        )

    async def _check_signature(self, request: web.Request) -> web.Response | None:
        headers = request.headers
        if headers.get("X-Ovh-Application") != APPLICATION_KEY:
            return self._denied("INVALID_KEY", "Invalid application key")
        consumer_key = headers.get("X-Ovh-Consumer", "")
        if self.consumer_keys.get(consumer_key) != "validated":
            return self._denied("INVALID_CREDENTIAL", "This credential is not valid")
        timestamp = headers.get("X-Ovh-Timestamp", "")
        if not timestamp.isdigit() or abs(int(timestamp) - self.now()) > 60:
            return self._denied("INVALID_SIGNATURE", "Invalid timestamp")
        body = await request.text()
        payload = "+".join(
            [APPLICATION_SECRET, consumer_key, request.method, str(request.url), body, timestamp]
        )
        expected = "$1$" + hashlib.sha1(payload.encode()).hexdigest()  # noqa: S324
        if headers.get("X-Ovh-Signature") != expected:
            return self._denied("INVALID_SIGNATURE", "Invalid signature")
        return None

    # -- routes -------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        signed = self._signed
        return [
            web.get("/1.0/auth/time", self._time),
            web.post("/1.0/auth/credential", self._credential),
            web.get("/1.0/me", signed(self._me)),
            web.get("/1.0/auth/currentCredential", signed(self._current_credential)),
            web.get("/1.0/telephony", signed(self._billing_accounts)),
            web.get("/1.0/telephony/{ba}/line", signed(self._line_names)),
            web.get("/1.0/telephony/{ba}/service/{sn}", signed(self._service)),
            web.get("/1.0/telephony/{ba}/line/{sn}/options", signed(self._get_options)),
            web.put("/1.0/telephony/{ba}/line/{sn}/options", signed(self._put_options)),
            web.get("/1.0/telephony/{ba}/line/{sn}/lastRegistrations", signed(self._registrations)),
            web.get("/1.0/telephony/{ba}/voicemail/{sn}/directories", signed(self._directories)),
            web.get("/1.0/telephony/{ba}/eventToken", signed(self._get_token)),
            web.post("/1.0/telephony/{ba}/eventToken", signed(self._create_token)),
            web.delete("/1.0/telephony/{ba}/eventToken", signed(self._delete_token)),
            web.post("/v2/session", self._new_session),
            web.post("/v2/session/{sid}/subscribe/{token}", self._subscribe),
            web.get("/v2/session/{sid}/events/poll", self._poll),
        ]

    def _signed(self, handler: Any) -> Any:
        async def checked(request: web.Request) -> web.StreamResponse:
            if denied := await self._check_signature(request):
                return denied
            return await handler(request)

        return checked

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response(self.now())

    async def _credential(self, request: web.Request) -> web.Response:
        if request.headers.get("X-Ovh-Application") != APPLICATION_KEY:
            return self._denied("INVALID_KEY", "Invalid application key")
        body = await request.json()
        if not isinstance(body.get("accessRules"), list) or not body["accessRules"]:
            return web.json_response(
                {"class": "Client::BadRequest", "message": "accessRules missing"}, status=400
            )
        consumer_key = f"pendingKey{len(self.consumer_keys):022d}"
        self.consumer_keys[consumer_key] = "pendingValidation"
        return web.json_response(
            {
                "consumerKey": consumer_key,
                "state": "pendingValidation",
                "validationUrl": f"https://eu.api.ovh.com/auth/?credentialToken={consumer_key}",
            }
        )

    async def _current_credential(self, request: web.Request) -> web.Response:
        if not self.current_credential_granted:
            return self._denied("NOT_GRANTED_CALL", "This call has not been granted")
        return web.json_response(
            {
                "credentialId": 1,
                "applicationId": 2,
                "status": "validated",
                "creation": "2026-01-05T10:00:00+01:00",
                "expiration": self.credential_expiration,
                "rules": [{"method": "GET", "path": "/telephony/*"}],
            }
        )

    async def _me(self, request: web.Request) -> web.Response:
        return web.json_response({"nichandle": NICHANDLE, "country": "FR"})

    async def _billing_accounts(self, request: web.Request) -> web.Response:
        return web.json_response([BILLING_ACCOUNT])

    def _line(self, request: web.Request) -> FakeLine:
        if request.match_info["ba"] != BILLING_ACCOUNT:
            raise self._not_found("billingAccount", request.match_info["ba"])
        line = self.lines.get(request.match_info["sn"])
        if line is None:
            raise self._not_found("serviceName", request.match_info["sn"])
        return line

    @staticmethod
    def _not_found(key: str, value: str) -> web.HTTPNotFound:
        return web.HTTPNotFound(
            text=f'{{"class":"Client::NotFound","message":"The requested object ({key} = {value}) does not exist"}}',
            content_type="application/json",
        )

    async def _line_names(self, request: web.Request) -> web.Response:
        if request.match_info["ba"] != BILLING_ACCOUNT:
            raise self._not_found("billingAccount", request.match_info["ba"])
        return web.json_response(list(self.lines))

    async def _service(self, request: web.Request) -> web.Response:
        line = self._line(request)
        return web.json_response(
            {
                "serviceName": request.match_info["sn"],
                "description": line.description,
                "featureType": line.feature_type,
                "serviceType": "line",
            }
        )

    async def _get_options(self, request: web.Request) -> web.Response:
        return web.json_response(self._line(request).options)

    async def _directories(self, request: web.Request) -> web.Response:
        line = self._line(request)
        if line.feature_type not in {"sip", "mgcp"}:
            raise self._not_found("voicemail", request.match_info["sn"])
        wanted = request.query.get("dir")
        return web.json_response(
            [100 + i for i, folder in enumerate(line.voicemail) if wanted in {None, folder}]
        )

    async def _registrations(self, request: web.Request) -> web.Response:
        line = self._line(request)
        if line.registered_minutes_ago is None:
            return web.json_response([])
        return web.json_response(
            [
                {
                    "datetime": _recent(line.registered_minutes_ago),
                    "domain": "sip.ovh.fr",
                    "ip": "192.0.2.10",
                    "port": 5060,
                    "userAgent": "Yealink SIP-T46U",
                }
            ]
        )

    async def _put_options(self, request: web.Request) -> web.Response:
        line = self._line(request)
        body = await request.json()
        error = self._invalid(body, line.options)
        if error:
            return web.json_response({"class": "Client::BadRequest", "message": error}, status=400)
        line.options.update(deepcopy(body))
        return web.json_response(None)

    @staticmethod
    def _invalid(body: Any, options: dict[str, Any]) -> str | None:
        """What the schema cannot say (types and enums it checked already)."""
        for key, value in body.items():
            if key not in options:
                return f"Unknown property {key}"  # inferred: OVH refuses unknown fields
            if key in _NUMBER_FIELDS and value and not _OVH_NUMBER.match(str(value)):
                # phoneNumber's format is "phone-number" (00 and digits, as OVH's manager checks).
                return f"Invalid phone number {value}"
        return None

    # -- live events (eventToken + the events server's v2 sessions) ---------

    async def _get_token(self, request: web.Request) -> web.Response:
        billing_account = request.match_info["ba"]
        mine = [token for token, ba in self.event_tokens.items() if ba == billing_account]
        if not mine:
            raise self._not_found("eventToken", billing_account)
        return web.json_response({"token": mine[0]})

    async def _create_token(self, request: web.Request) -> web.Response:
        billing_account = request.match_info["ba"]
        if billing_account != BILLING_ACCOUNT:
            raise self._not_found("billingAccount", billing_account)
        body = await request.json()
        if body.get("expiration") not in {"1 day", "1 hour", "30 days", "5 minutes", "unlimited"}:
            return web.json_response(
                {"class": "Client::BadRequest", "message": "Invalid expiration"}, status=400
            )
        token = f"evt-{len(self.event_tokens) + 1:04d}-{billing_account}"
        self.event_tokens[token] = billing_account
        return web.json_response(token)

    async def _delete_token(self, request: web.Request) -> web.Response:
        billing_account = request.match_info["ba"]
        mine = [token for token, ba in self.event_tokens.items() if ba == billing_account]
        if not mine:
            raise self._not_found("eventToken", billing_account)
        for token in mine:
            del self.event_tokens[token]
        return web.json_response(None)

    async def _new_session(self, request: web.Request) -> web.Response:
        if self.refuse_sessions:
            return web.Response(status=503, text="Service Unavailable")
        session_id = f"S{len(self.sessions) + 1:06d}"
        self.sessions[session_id] = {"tokens": set(), "queue": asyncio.Queue()}
        now = datetime.now(UTC).isoformat()
        return web.json_response(
            {"id": session_id, "creation": now, "lastUpdate": now, "lastConnection": now}
        )

    async def _subscribe(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.match_info["sid"])
        token = request.match_info["token"]
        if session is None:
            return web.Response(status=404, text="Session not found")
        if token not in self.event_tokens:
            return web.Response(status=400, text="Invalid token")
        session["tokens"].add(token)
        return web.Response(text=f"Successfully subscribed on token {token}")

    async def _poll(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.match_info["sid"])
        if session is None:
            return web.Response(status=404, text="Session not found")
        queue: asyncio.Queue[dict[str, Any] | None] = session["queue"]
        try:
            first = None if self.closing else await asyncio.wait_for(queue.get(), self.poll_timeout)
        except TimeoutError:
            first = None
        if first is None:
            return web.Response(text="Timeout, please reconnect")
        events = [first]
        while not queue.empty() and (event := queue.get_nowait()) is not None:
            events.append(event)
        return web.json_response(events)

    async def close(self) -> None:
        """Answer pending long polls at once, so that shutting down does not wait for them."""
        self.closing = True
        for session in self.sessions.values():
            session["queue"].put_nowait(None)
        await super().close()

    def connected_sessions(self) -> int:
        return sum(1 for session in self.sessions.values() if session["tokens"])

    def drop_sessions(self) -> None:
        """The events server forgets every session (its next poll answers 404)."""
        self.sessions.clear()

    def push(
        self, service_name: str, event: str, call_id: str, calling: str = "0033612345699"
    ) -> None:
        """Emit a line event to every session subscribed to the billing account."""
        for session in self.sessions.values():
            for token in session["tokens"]:
                session["queue"].put_nowait(
                    {
                        "event": event,
                        "token": token,
                        "service": "sip",
                        "ressource": service_name,
                        "timestamp": time.time_ns(),
                        "date": datetime.now(UTC).isoformat(),
                        "data": {
                            "CallId": call_id,
                            "Calling": calling,
                            "Called": service_name,
                            "Dialed": service_name,
                            "Event": event,
                            "Protocol": "sip",
                        },
                        "details": {"IdBillingAccount": BILLING_ACCOUNT, "Type": "sipCirpack"},
                    }
                )
