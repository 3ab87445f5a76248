"""A fake of OVHcloud's /1.0 API: signed requests, telephony lines and their options."""

from __future__ import annotations

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

_NATURES = {"fax", "number", "voicemail"}
_BOOLEAN_FIELDS = {
    "absentSubscriber",
    "anonymousCallRejection",
    "callRestrictionIncoming",
    "callRestrictionOutgoing",
    "callWaiting",
    "doNotDisturb",
    "forwardBackup",
    "forwardBusy",
    "forwardNoReply",
    "forwardUnconditional",
    "identificationRestriction",
    "lockOutCall",
    "recordOutgoingCallsBeta",
}
_NATURE_FIELDS = {
    f"{name}Nature"
    for name in ("forwardBackup", "forwardBusy", "forwardNoReply", "forwardUnconditional")
}
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


def _recent(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


@dataclass
class FakeOvh(FakeServer):
    """OVH's API for one account with one billing account of a few lines."""

    clock_skew: int = 37  # seconds between our clock and OVH's
    consumer_keys: dict[str, str] = field(default_factory=lambda: {CONSUMER_KEY: "validated"})
    lines: dict[str, FakeLine] = field(default_factory=dict)
    credential_expiration: str | None = None

    def __post_init__(self) -> None:
        if not self.lines:
            self.lines = {
                "0033184801200": FakeLine(
                    "Accueil",
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
        if not isinstance(body, dict):
            return "Invalid body"
        for key, value in body.items():
            if key not in options:
                return f"Unknown property {key}"
            if key in _BOOLEAN_FIELDS and not isinstance(value, bool):
                return f"Invalid value for {key}: not a boolean"
            if key in _NATURE_FIELDS and value not in _NATURES:
                return f"Invalid value for {key}"
            if key in _NUMBER_FIELDS and value and not _OVH_NUMBER.match(str(value)):
                return f"Invalid phone number {value}"
            if key == "forwardNoReplyDelay" and (
                not isinstance(value, int) or not 0 <= value <= 60
            ):
                return "Invalid delay"
        return None
