"""A fake of sipgate's REST API v2: users, phonelines, forwardings, voicemails, devices, calls.

Requests and responses are held to tests/schemas/sipgate-v2.yaml; the push
sender signs its requests with a test key (sipgate's own private key is not
published), which the tests configure as the override of sipgate's key.
"""

from __future__ import annotations

import base64
import re
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .base import FakeServer

TOKEN_ID = "token-FAKE01"
TOKEN = "0b4f5e9c-2d6a-4c1e-9f3b-7a8d2c4e6f10"
MASTER_SIP_ID = "3456789"


def _default_users() -> list[dict[str, Any]]:
    return [
        {"id": "w0", "firstname": "Claire", "lastname": "Martin", "admin": True},
        {"id": "w1", "firstname": "Jonas", "lastname": "Becker", "admin": False},
    ]


def _default_phonelines() -> dict[str, list[dict[str, Any]]]:
    return {
        "w0": [{"id": "p0", "alias": "Zentrale"}],
        "w1": [{"id": "p1", "alias": "Vertrieb Jonas"}],
    }


def _default_numbers() -> dict[str, list[str]]:
    return {"p0": ["4930123456700"], "p1": ["4930123456710"]}


def _default_voicemails() -> dict[str, list[dict[str, Any]]]:
    return {
        line: [
            {
                "id": f"v{index}",
                "alias": f"Mailbox {alias}",
                "timeout": 30,
                "active": False,
                "transcription": False,
                "canTranscribe": True,
            }
        ]
        for index, (line, alias) in enumerate((("p0", "Zentrale"), ("p1", "Vertrieb Jonas")))
    }


def _default_devices() -> dict[str, list[dict[str, Any]]]:
    return {
        "w0": [
            {
                "id": "e0",
                "alias": "Tischtelefon Zentrale",
                "type": "REGISTER",
                "online": True,
                "dnd": False,
                "activePhonelines": [{"id": "p0", "alias": "Zentrale"}],
                "activeGroups": [],
            }
        ],
        "w1": [
            {
                "id": "e1",
                "alias": "Softphone Jonas",
                "type": "REGISTER",
                "online": False,
                "dnd": False,
                "activePhonelines": [{"id": "p1", "alias": "Vertrieb Jonas"}],
                "activeGroups": [],
            }
        ],
    }


@dataclass
class FakeSipgate(FakeServer):
    """sipgate's API for a small team; `phonelines=False` mimics accounts without that layer."""

    phonelines_layer: bool = True
    master_sip_id: str = MASTER_SIP_ID
    token_id: str = TOKEN_ID
    token: str = TOKEN
    users: list[dict[str, Any]] = field(default_factory=_default_users)
    phonelines: dict[str, list[dict[str, Any]]] = field(default_factory=_default_phonelines)
    numbers: dict[str, list[str]] = field(default_factory=_default_numbers)
    devices: dict[str, list[dict[str, Any]]] = field(default_factory=_default_devices)
    forwardings: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            "p0": [{"alias": "", "destination": "4930123456710", "timeout": 20, "active": True}],
            "p1": [],
        }
    )
    voicemails: dict[str, list[dict[str, Any]]] = field(default_factory=_default_voicemails)
    #: Anonymous-call blocking per phoneline (sipgate's own `target` field kept as is).
    block_anonymous: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "p0": {"enabled": False, "target": "ALL"},
            "p1": {"enabled": True, "target": "ALL"},
        }
    )
    #: Groups of the account, by id (forwarding destinations like phonelines).
    groups: dict[str, str] = field(
        default_factory=lambda: {"g1": "Accounting group", "g7": "Lager"}
    )
    calls: list[dict[str, Any]] = field(default_factory=list)
    #: The token's scopes allow `GET /calls` (rtcm:read).
    calls_scope: bool = True
    history: list[dict[str, Any]] = field(default_factory=list)
    sipgateio: dict[str, Any] = field(
        default_factory=lambda: {
            "incomingUrl": "",
            "outgoingUrl": "",
            "log": False,
            "whitelist": [],
        }
    )

    schema_file: str | None = "sipgate-v2.yaml"
    published_file: str | None = "sipgate-v2-subset.yaml"
    api_prefix: str = "/v2"

    @classmethod
    def with_lines(cls, count: int) -> FakeSipgate:
        """Return an account of `count` users, each with one phoneline, number and phone."""
        return cls(
            users=[{"id": f"w{i}", "firstname": "User", "lastname": str(i)} for i in range(count)],
            phonelines={f"w{i}": [{"id": f"p{i}", "alias": f"Line {i}"}] for i in range(count)},
            numbers={f"p{i}": [f"49301234{i:05d}"] for i in range(count)},
            devices={
                f"w{i}": [
                    {
                        "id": f"e{i}",
                        "alias": f"Phone {i}",
                        "type": "REGISTER",
                        "online": True,
                        "dnd": False,
                        "activePhonelines": [{"id": f"p{i}"}],
                        "activeGroups": [],
                    }
                ]
                for i in range(count)
            },
            forwardings={f"p{i}": [] for i in range(count)},
            voicemails={
                f"p{i}": [
                    {
                        "id": f"v{i}",
                        "alias": f"Mailbox {i}",
                        "timeout": 30,
                        "active": False,
                        "transcription": False,
                        "canTranscribe": True,
                    }
                ]
                for i in range(count)
            },
            block_anonymous={f"p{i}": {"enabled": False, "target": "ALL"} for i in range(count)},
        )

    def schema_error(self, errors: list[str]) -> web.Response:
        # The published document gives 400s no body; sipgate answers with a short text.
        return web.Response(status=400, text="Bad request")

    def revoke(self) -> None:
        self.token = "revoked"

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        basic = base64.b64encode(f"{self.token_id}:{self.token}".encode()).decode()
        return header in {f"Basic {basic}", f"Bearer {self.token}"}

    def routes(self) -> list[web.RouteDef]:
        auth = self._auth
        return [
            web.get("/v2/authorization/userinfo", auth(self._userinfo)),
            web.get("/v2/account", auth(self._account)),
            web.get("/v2/users", auth(self._users)),
            web.get("/v2/calls", auth(self._calls)),
            web.put("/v2/devices/{device}", auth(self._put_device)),
            web.get("/v2/{user}/devices", auth(self._devices)),
            web.get("/v2/{user}/phonelines", auth(self._phonelines)),
            web.get("/v2/{user}/phonelines/{line}/numbers", auth(self._numbers)),
            web.get("/v2/{user}/phonelines/{line}/forwardings", auth(self._get_forwardings)),
            web.put("/v2/{user}/phonelines/{line}/forwardings", auth(self._put_forwardings)),
            web.get("/v2/{user}/phonelines/{line}/voicemails", auth(self._get_voicemails)),
            web.put("/v2/{user}/phonelines/{line}/voicemails/{vm}", auth(self._put_voicemail)),
            web.get("/v2/{user}/phonelines/{line}/blockanonymous", auth(self._get_block)),
            web.put("/v2/{user}/phonelines/{line}/blockanonymous", auth(self._put_block)),
            web.get("/v2/history", auth(self._history)),
            web.get("/v2/settings/sipgateio", auth(self._get_sipgateio)),
            web.put("/v2/settings/sipgateio", auth(self._put_sipgateio)),
        ]

    def _auth(self, handler: Any) -> Any:
        async def checked(request: web.Request) -> web.StreamResponse:
            if not self._authorized(request):
                return web.Response(status=401, text="Unauthorized")
            return await handler(request)

        return checked

    @staticmethod
    def _items(items: list[Any]) -> web.Response:
        return web.json_response({"items": items})

    async def _userinfo(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "sub": "w0",
                "domain": "sipgate.de",
                "masterSipId": self.master_sip_id,
                "locale": "de_DE",
            }
        )

    async def _account(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"company": "Becker Metallbau GmbH", "mainProductType": "TEAM", "verified": True}
        )

    async def _users(self, request: web.Request) -> web.Response:
        return self._items(self.users)

    async def _calls(self, request: web.Request) -> web.Response:
        if not self.calls_scope:
            return web.Response(status=403, text="Forbidden")
        return web.json_response({"data": self.calls})

    async def _history(self, request: web.Request) -> web.Response:
        types = set(request.query.getall("types", []))
        directions = set(request.query.getall("directions", []))
        since = request.query.get("from", "")
        items = [
            entry
            for entry in self.history
            if (not types or entry["type"] in types)
            and (not directions or entry["direction"] in directions)
            and entry["created"] >= since
        ]
        limit = int(request.query.get("limit", "10"))
        return web.json_response({"items": items[:limit], "totalCount": len(items)})

    async def _get_sipgateio(self, request: web.Request) -> web.Response:
        return web.json_response(self.sipgateio)

    async def _put_sipgateio(self, request: web.Request) -> web.Response:
        self.sipgateio = {**self.sipgateio, **(await request.json())}
        return web.Response(status=204)

    def _user(self, request: web.Request) -> str:
        user = request.match_info["user"]
        if user not in self.devices:
            raise web.HTTPNotFound
        return user

    def _phoneline(self, request: web.Request) -> str:
        user = self._user(request)
        line = request.match_info["line"]
        if not self.phonelines_layer or line not in {p["id"] for p in self.phonelines[user]}:
            raise web.HTTPNotFound
        return line

    async def _devices(self, request: web.Request) -> web.Response:
        return self._items(self.devices[self._user(request)])

    async def _phonelines(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if not self.phonelines_layer:
            return web.Response(status=404)
        return self._items(self.phonelines[user])

    async def _numbers(self, request: web.Request) -> web.Response:
        line = self._phoneline(request)
        return self._items(
            [{"number": number, "type": ["LANDLINE"]} for number in self.numbers.get(line, [])]
        )

    async def _get_forwardings(self, request: web.Request) -> web.Response:
        return self._items(self.forwardings[self._phoneline(request)])

    def _alias(self, destination: str) -> str:
        """Name a destination as sipgate does in the list it returns."""
        for lines in self.phonelines.values():
            for phoneline in lines:
                if phoneline["id"] == destination:
                    return str(phoneline.get("alias", ""))
        return self.groups.get(destination, "")

    async def _put_forwardings(self, request: web.Request) -> web.Response:
        # The schema checked the body: at most 3 entries, each one's fields and timeout.
        line = self._phoneline(request)
        entries = (await request.json())["forwardings"]
        if any(not entry.get("destination") for entry in entries):
            return web.Response(
                status=400, text="Forwarding settings could not be changed due to bad request"
            )
        self.forwardings[line] = [
            {
                "alias": self._alias(entry["destination"]),
                "destination": entry["destination"],
                "timeout": entry.get("timeout", 0),
                "active": entry.get("active", False),
            }
            for entry in deepcopy(entries)
        ]
        return web.Response(status=204)

    async def _get_block(self, request: web.Request) -> web.Response:
        line = self._phoneline(request)
        if line not in self.block_anonymous:
            return web.Response(status=404)
        return web.json_response(self.block_anonymous[line])

    async def _put_block(self, request: web.Request) -> web.Response:
        line = self._phoneline(request)
        self.block_anonymous[line] = {
            **self.block_anonymous.get(line, {}),
            **(await request.json()),
        }
        return web.Response(status=204)

    async def _get_voicemails(self, request: web.Request) -> web.Response:
        return self._items(self.voicemails.get(self._phoneline(request), []))

    async def _put_voicemail(self, request: web.Request) -> web.Response:
        line = self._phoneline(request)
        body = await request.json()
        for voicemail in self.voicemails.get(line, []):
            if voicemail["id"] == request.match_info["vm"]:
                voicemail.update(body)
                return web.Response(status=204)
        return web.Response(status=404)

    async def _put_device(self, request: web.Request) -> web.Response:
        body = await request.json()
        for devices in self.devices.values():
            for device in devices:
                if device["id"] == request.match_info["device"]:
                    if "dnd" in body:
                        device["dnd"] = body["dnd"]
                    return web.Response(status=204)
        return web.Response(status=404)


#: A key pair standing in for sipgate's (whose private key is not published);
#: the tests give its public half as the entry's key override.
PUSH_TEST_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUSH_TEST_PUBLIC_KEY = (
    PUSH_TEST_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def sign(body: bytes) -> str:
    """Sign a push body as sipgate does (RSA-SHA256, PKCS#1 v1.5, base64)."""
    return base64.b64encode(PUSH_TEST_KEY.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


class SipgateWebhookSender:
    """Plays sipgate's push API: POSTs newCall, reads the XML reply, then follows its URLs.

    Bodies are form-encoded with the brackets percent-encoded, as sipgate's
    own library expects them, and signed (`signed=False` sends them bare).
    """

    def __init__(self, client: Any, url: str, *, signed: bool = True) -> None:
        self.client = client  # an aiohttp client talking to Home Assistant
        self.url = url
        self.signed = signed
        self.follow_ups: dict[str, dict[str, str]] = {}

    async def _post(self, url: str, fields: dict[str, Any]) -> Any:
        from urllib.parse import urlencode, urlsplit  # noqa: PLC0415

        path = urlsplit(url).path or url
        body = urlencode(fields, doseq=True).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.signed:
            headers["X-Sipgate-Signature"] = sign(body)
        return await self.client.post(path, data=body, headers=headers)

    async def new_call(
        self,
        call_id: str,
        caller: str = "4917612345678",
        to: str = "4930123456700",
        *,
        users: list[tuple[str, str]] | None = None,
        original_call_id: str | None = None,
    ) -> int:
        """Announce an incoming call; `users` (id, name) ring for it, a group's members say."""
        ringing = users or [("w0", "Claire Martin")]
        fields: dict[str, Any] = {
            "event": "newCall",
            "direction": "in",
            "from": caller,
            "to": to,
            "callId": call_id,
            "user[]": [name for _, name in ringing],
            "userId[]": [user_id for user_id, _ in ringing],
            "fullUserId[]": [f"{MASTER_SIP_ID}{user_id}" for user_id, _ in ringing],
            "xcid": f"x{call_id}",
        }
        if original_call_id:
            fields["origCallId"] = original_call_id
        response = await self._post(self.url, fields)
        reply = await response.text()
        self.follow_ups[call_id] = dict(re.findall(r'(onAnswer|onHangup)="([^"]+)"', reply))
        return int(response.status)

    async def answer(self, call_id: str, *, duplicate: bool = False) -> None:
        url = self.follow_ups.get(call_id, {}).get("onAnswer")
        assert url, "the reply to newCall did not subscribe to answer events"
        fields = {"event": "answer", "callId": call_id, "answeringNumber": "4930123456700"}
        for _ in range(2 if duplicate else 1):
            await self._post(url, fields)

    async def hangup(self, call_id: str, cause: str = "normalClearing") -> None:
        url = self.follow_ups.get(call_id, {}).get("onHangup")
        assert url, "the reply to newCall did not subscribe to hangup events"
        await self._post(url, {"event": "hangup", "callId": call_id, "cause": cause})
