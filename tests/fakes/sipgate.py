"""A fake of sipgate's REST API v2: users, phonelines, forwardings, devices, calls."""

from __future__ import annotations

import base64
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

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
    calls: list[dict[str, Any]] = field(default_factory=list)

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
        return web.json_response({"data": self.calls})

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
            [
                {"id": f"n{i}", "number": number, "type": "LANDLINE", "endpointId": line}
                for i, number in enumerate(self.numbers.get(line, []))
            ]
        )

    async def _get_forwardings(self, request: web.Request) -> web.Response:
        return self._items(self.forwardings[self._phoneline(request)])

    async def _put_forwardings(self, request: web.Request) -> web.Response:
        line = self._phoneline(request)
        body = await request.json()
        entries = body.get("forwardings") if isinstance(body, dict) else None
        if (
            not isinstance(entries, list)
            or len(entries) > 3
            or not all(
                isinstance(entry, dict)
                and isinstance(entry.get("destination"), str)
                and isinstance(entry.get("timeout"), int)
                and 0 <= entry["timeout"] <= 600
                and isinstance(entry.get("active"), bool)
                for entry in entries
            )
        ):
            return web.Response(
                status=400, text="Forwarding settings could not be changed due to bad request"
            )
        self.forwardings[line] = [{"alias": "", **deepcopy(entry)} for entry in entries]
        return web.Response(status=204)

    async def _put_device(self, request: web.Request) -> web.Response:
        body = await request.json()
        for devices in self.devices.values():
            for device in devices:
                if device["id"] == request.match_info["device"]:
                    if not isinstance(body.get("dnd"), bool):
                        return web.Response(status=400)
                    device["dnd"] = body["dnd"]
                    return web.Response(status=204)
        return web.Response(status=404)


class SipgateWebhookSender:
    """Plays sipgate's push API: POSTs newCall, reads the XML reply, then follows its URLs.

    `duplicate`, `reorder` and `drop` reproduce what a real network does to webhooks.
    """

    def __init__(self, client: Any, url: str) -> None:
        self.client = client  # an aiohttp client talking to Home Assistant
        self.url = url
        self.follow_ups: dict[str, dict[str, str]] = {}

    async def _post(self, url: str, fields: dict[str, Any]) -> Any:
        from urllib.parse import urlencode, urlsplit  # noqa: PLC0415

        path = urlsplit(url).path or url
        return await self.client.post(
            path,
            data=urlencode(fields, doseq=True),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    async def new_call(
        self, call_id: str, caller: str = "4917612345678", to: str = "4930123456700"
    ) -> int:
        import re  # noqa: PLC0415

        response = await self._post(
            self.url,
            {
                "event": "newCall",
                "direction": "in",
                "from": caller,
                "to": to,
                "callId": call_id,
                "user[]": ["Claire Martin"],
                "userId[]": ["w0"],
                "fullUserId[]": [f"{MASTER_SIP_ID}w0"],
            },
        )
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
