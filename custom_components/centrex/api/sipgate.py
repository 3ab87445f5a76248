"""sipgate: the REST API v2 of api.sipgate.com, with a personal access token.

sipgate forwards per phoneline with a list of at most three entries
(destination, timeout, active) that is replaced as a whole; a timeout of 0
forwards every call at once, a positive one forwards after that many seconds
without answer. There is no busy or unreachable forward, so those are absent
from sipgate lines' features. Do-not-disturb and registration are per device.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession

from .exceptions import (
    CentrexLineNotFoundError,
    CentrexPermissionError,
    CentrexRequestError,
)
from .http import HttpProvider, path
from .models import (
    Account,
    CallState,
    DelayRange,
    DeviceKind,
    Forwarding,
    ForwardKind,
    ForwardRule,
    Line,
    LineFeatures,
)
from .numbers import is_e164
from .provider import CredentialField

SIPGATE_API = "https://api.sipgate.com/v2"
MAX_FORWARDINGS = 3
#: The API caps a forwarding timeout at 600 s; below 5 s a "no answer" forward
#: is really an immediate one (inferred).
SIPGATE_DELAYS = DelayRange(minimum=5, maximum=600, step=5)
DEFAULT_NO_ANSWER_DELAY = 20


@dataclass(slots=True)
class _LineRef:
    user_id: str
    endpoint_id: str  # a phoneline (p0) or, without phonelines, a device (e0)
    name: str
    holder: str | None
    has_phoneline: bool
    numbers: set[str] = field(default_factory=set)  # digits, as sipgate writes them

    @property
    def id(self) -> str:
        return f"{self.user_id}_{self.endpoint_id}"


def _to_e164(number: str) -> str | None:
    candidate = number if number.startswith("+") else f"+{number}"
    return candidate if is_e164(candidate) else None


class SipgateProvider(HttpProvider):
    """A sipgate account, through a personal access token or an OAuth token."""

    name = "sipgate"
    display_name = "sipgate"
    default_base_url = SIPGATE_API
    credential_fields = (
        CredentialField("token_id", required=False),
        CredentialField("token", secret=True),
        CredentialField("base_url", required=False, default=SIPGATE_API, advanced=True),
    )

    def __init__(
        self, session: ClientSession, config: Mapping[str, Any], timeout: float = 20
    ) -> None:
        """Prepare the authorization header."""
        super().__init__(session, config, timeout)
        token_id = str(config.get("token_id") or "")
        token = str(config.get("token") or "")
        if token_id:
            basic = base64.b64encode(f"{token_id}:{token}".encode()).decode()
            self._authorization = f"Basic {basic}"
        else:
            self._authorization = f"Bearer {token}"
        self._refs: dict[str, _LineRef] = {}
        self._devices: dict[str, list[dict[str, Any]]] = {}  # per user

    def _headers(self, method: str, url: str, body: str) -> dict[str, str]:
        return {"Authorization": self._authorization}

    async def _get(self, resource: str) -> Any:
        return await self.request("GET", resource)

    async def _items(self, resource: str) -> list[dict[str, Any]]:
        answer = await self._get(resource)
        items = answer.get("items") if isinstance(answer, dict) else None
        return [item for item in items or [] if isinstance(item, dict)]

    async def async_get_account(self) -> Account:
        """Identify the account by its master SIP id."""
        userinfo = await self._get("/authorization/userinfo")
        account = await self._get("/account")
        company = str(account.get("company") or "") if isinstance(account, dict) else ""
        return Account(
            id=f"sipgate-{userinfo['masterSipId']}",
            name=f"sipgate {company}".strip(),
            provider=self.name,
        )

    async def _discover(self) -> None:
        refs: dict[str, _LineRef] = {}
        for user in await self._items("/users"):
            user_id = str(user["id"])
            holder = f"{user.get('firstname', '')} {user.get('lastname', '')}".strip() or None
            try:
                phonelines = await self._items(path(user_id, "phonelines"))
            except CentrexPermissionError, CentrexLineNotFoundError:
                # Newer accounts have no phoneline layer: numbers hang off devices.
                devices = await self._items(path(user_id, "devices"))
                for device in devices:
                    ref = _LineRef(
                        user_id,
                        str(device["id"]),
                        str(device.get("alias") or ""),
                        holder,
                        has_phoneline=False,
                    )
                    refs[ref.id] = ref
                continue
            for phoneline in phonelines:
                ref = _LineRef(
                    user_id,
                    str(phoneline["id"]),
                    str(phoneline.get("alias") or ""),
                    holder,
                    has_phoneline=True,
                )
                numbers = await self._items(path(user_id, "phonelines", ref.endpoint_id, "numbers"))
                ref.numbers = {str(item["number"]).lstrip("+") for item in numbers}
                refs[ref.id] = ref
        self._refs = refs

    async def async_get_lines(self) -> list[Line]:
        """Read every line: devices per user, forwardings per phoneline, live calls."""
        if not self._refs:
            await self._discover()
        users = {ref.user_id for ref in self._refs.values()}
        for user_id in users:
            self._devices[user_id] = await self._items(path(user_id, "devices"))
        calls = await self._calls()
        return [await self._read(ref, calls) for ref in self._refs.values()]

    async def async_get_line(self, line_id: str) -> Line:
        """Read one line now."""
        ref = self._ref(line_id)
        self._devices[ref.user_id] = await self._items(path(ref.user_id, "devices"))
        return await self._read(ref, await self._calls())

    def _ref(self, line_id: str) -> _LineRef:
        try:
            return self._refs[line_id]
        except KeyError:
            raise CentrexLineNotFoundError("unknown line", field="line") from None

    async def _calls(self) -> set[str]:
        """Return the numbers (digits) taking part in established calls."""
        answer = await self._get("/calls")
        numbers: set[str] = set()
        for call in (answer or {}).get("data") or []:
            for participant in call.get("participants") or []:
                numbers.add(str(participant.get("phoneNumber", "")).lstrip("+"))
        return numbers

    def _line_devices(self, ref: _LineRef) -> list[dict[str, Any]]:
        devices = self._devices.get(ref.user_id, [])
        if not ref.has_phoneline:
            return [device for device in devices if device.get("id") == ref.endpoint_id]
        return [
            device
            for device in devices
            if any(
                active.get("id") == ref.endpoint_id
                for active in device.get("activePhonelines") or []
            )
        ]

    async def _read(self, ref: _LineRef, calls: set[str]) -> Line:
        devices = self._line_devices(ref)
        if ref.has_phoneline:
            entries = await self._items(self._forwardings_path(ref))
            forwarding = _forwarding_from_entries(entries)
            kinds = frozenset({ForwardKind.UNCONDITIONAL, ForwardKind.NO_ANSWER})
        else:
            forwarding, kinds = Forwarding(), frozenset()
        number = next((n for n in map(_to_e164, sorted(ref.numbers)) if n), None)
        kind = (
            DeviceKind.MOBILE
            if devices and devices[0].get("type") == "MOBILE"
            else DeviceKind.SOFTPHONE
        )
        return Line(
            id=ref.id,
            name=ref.name or number or ref.endpoint_id,
            number=number,
            device_kind=kind,
            features=LineFeatures(
                forward_kinds=kinds,
                no_answer_delay=SIPGATE_DELAYS if kinds else None,
                do_not_disturb=bool(devices),
            ),
            forwarding=forwarding,
            do_not_disturb=bool(devices) and all(device.get("dnd") for device in devices),
            registered=any(device.get("online") for device in devices) if devices else None,
            call_state=CallState.IN_CALL if ref.numbers & calls else CallState.IDLE,
            holder=ref.holder,
        )

    def _forwardings_path(self, ref: _LineRef) -> str:
        return path(ref.user_id, "phonelines", ref.endpoint_id, "forwardings")

    async def async_set_forwarding(self, line_id: str, forwarding: Forwarding) -> None:
        """Replace the phoneline's forwarding list with the one `forwarding` describes."""
        ref = self._ref(line_id)
        if not ref.has_phoneline:
            raise CentrexRequestError("this line has no forwarding", field="kind")
        entries = _entries_from_forwarding(forwarding)
        body = json.dumps({"forwardings": entries}, separators=(",", ":"))
        await self.request("PUT", self._forwardings_path(ref), body)

    async def async_set_do_not_disturb(self, line_id: str, enabled: bool) -> None:  # noqa: FBT001
        """Set do-not-disturb on every device of the line."""
        ref = self._ref(line_id)
        devices = self._line_devices(ref)
        if not devices:
            raise CentrexRequestError("this line has no device", field="do_not_disturb")
        body = json.dumps({"dnd": enabled}, separators=(",", ":"))
        for device in devices:
            await self.request("PUT", path("devices", str(device["id"])), body)


def _forwarding_from_entries(entries: list[dict[str, Any]]) -> Forwarding:
    rules: dict[ForwardKind, ForwardRule] = {}
    delay: int | None = None
    # Active entries first, so they win over remembered (inactive) ones.
    for entry in sorted(entries, key=lambda entry: not entry.get("active")):
        timeout = int(entry.get("timeout") or 0)
        kind = ForwardKind.NO_ANSWER if timeout > 0 else ForwardKind.UNCONDITIONAL
        if kind in rules:
            continue
        destination = _to_e164(str(entry.get("destination", "")))
        rules[kind] = ForwardRule(active=bool(entry.get("active")), destination=destination)
        if kind is ForwardKind.NO_ANSWER:
            delay = timeout
    return Forwarding(rules, no_answer_delay=delay)


def _entries_from_forwarding(forwarding: Forwarding) -> list[dict[str, Any]]:
    unsupported = {ForwardKind.BUSY, ForwardKind.UNREACHABLE}
    if any(forwarding.is_active(kind) for kind in unsupported):
        raise CentrexRequestError("sipgate cannot forward on busy or unreachable", field="kind")
    if forwarding.has_conflict():
        raise CentrexRequestError("unconditional forwarding excludes the others")
    delay = forwarding.no_answer_delay or DEFAULT_NO_ANSWER_DELAY
    if not SIPGATE_DELAYS.accepts(delay):
        raise CentrexRequestError("delay out of range", field="no_answer_delay")
    entries = []
    for kind, timeout in ((ForwardKind.UNCONDITIONAL, 0), (ForwardKind.NO_ANSWER, delay)):
        rule = forwarding.rule(kind)
        if rule.active and not rule.destination:
            raise CentrexRequestError("a destination is needed", field="destination")
        if not rule.destination:
            continue
        if not is_e164(rule.destination):
            raise CentrexRequestError("destination is not a phone number", field="destination")
        entries.append(
            {"destination": rule.destination.lstrip("+"), "timeout": timeout, "active": rule.active}
        )
    return entries[:MAX_FORWARDINGS]
