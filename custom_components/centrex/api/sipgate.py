"""sipgate: the REST API v2 of api.sipgate.com, with a personal access token.

sipgate forwards per phoneline with a list of at most three entries
(destination, timeout, active) that is replaced as a whole, and sends
unanswered calls to the phoneline's voicemail object; `sipgate_forwarding`
maps both to our model and back without touching what a change does not
target. There is no busy or unreachable forward, so those are absent from
sipgate lines' features. Do-not-disturb and registration are per device.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode
from xml.sax.saxutils import escape as xml_escape

from aiohttp import ClientSession
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .exceptions import (
    CentrexInvalidRequestError,
    CentrexLineNotFoundError,
    CentrexPermissionError,
    CentrexRequestError,
    CentrexWebhookSignatureError,
)
from .http import HttpProvider, path
from .models import (
    Account,
    CallState,
    DelayRange,
    DeviceKind,
    Forwarding,
    ForwardKind,
    Line,
    LineEvent,
    LineEventType,
    LineFeatures,
    LineOption,
)
from .numbers import is_e164
from .provider import CredentialField, PushKind, WebhookAnswer
from .sipgate_forwarding import MAX_TIMEOUT, Endpoints, plan_forwarding, read_forwarding

SIPGATE_API = "https://api.sipgate.com/v2"
#: `Forwarding.timeout` is any integer up to 600; 0 forwards at once, so a
#: no-answer delay is 1 s or more.
SIPGATE_DELAYS = DelayRange(minimum=1, maximum=MAX_TIMEOUT, step=1)
#: The key sipgate signs its push requests with, as published in sipgate's own
#: client library (sipgate-io/sipgateio-node, lib/webhook/signatureVerifier.ts).
SIPGATE_PUSH_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAvFdlnqRfO5TmqzjtsFVC
qPz+oW+poi3lXQFvMJJMEAtlU4MbX+yuIkgnC+Qt3AQWIK+oWSEQiybg+p39wEMl
16PZxEzf9gONQvTg1XhyHnwqYUFQj/AoxPKGYC3jmdjZ224SrESiTN3CdxoOc3vk
cXiQstYE7SxnksPtzfk0aIOkicim5/tAP9izNQ18/zmX3ChjK2k72gf5dDlq+qZ8
pRiHAPZ64TySH6cLQDhaoh6Nbq8FEG3usXXPClbUMh2DZaTMPafpd+LNuTngJ/y+
KoZasVuFfXAeBqGA6l5d4Uedfr99Z6qjwDrJ8sU4z2Do9bJrbuqP+mOXEebhSI1K
vi8trEfrIt8hnDBGsBaB9NEO3kYxvDT2/PhC9fNYFocjEpZNd7/mUqTJDYlpa4UC
NDQaU+ATdXG8/P5sGAegks6MQTu+qe9XTO0CV48eswDkz6g3UbLOwmrJK59SjD3J
yAZ52sluwyDKRWw/PPTt8BTQLjvkdbiLUlc4ehJ4b1X7D7diYWHDPeFL47cAvaXh
dXVrZDeBJYibvD1jRx4ES0KlfhwzNXBYUoM/Movg9zMM2PzyHHKS//xIjwUC/FJ6
/6eykno0Hy2B1ev6s3hdY6VkN2zd7Wf+EK4DxRliwsg1U99szFE3ewLfexF+Uag5
M+TfPtOUumI/NHMTvsRW9+ECAwEAAQ==
-----END PUBLIC KEY-----
"""
#: The request header carrying the signature of a push request.
SIGNATURE_HEADER = "X-Sipgate-Signature"
#: How a hangup's `cause` ends a call that was never answered.
_UNANSWERED_END = {"forwarded": LineEventType.FORWARDED}


#: How often a phoneline's anonymous-call blocking is read again, in seconds.
OPTIONS_INTERVAL = 300
#: Lines read whole per poll (three requests each, a fourth when anonymous-call
#: blocking is due): with Home Assistant's 100 connections per host, a poll's
#: requests go out in two waves, three when blocking is due. Larger accounts
#: are read a slice at a time, the longest unread first...
LINES_PER_POLL = 64
#: ...polling more often, so that every line is read again within two minutes
#: (until `MIN_POLL_INTERVAL`, beyond about 750 lines, stretches the cycle).
REFRESH_CYCLE = 120.0
MIN_POLL_INTERVAL = 10.0
#: Lines built from what was read between two yields to the event loop.
BUILD_BATCH = 25
#: History entries read per poll: the newest calls and voicemails (inferred:
#: enough for 30 s of an office's calls; the API allows up to 1000).
HISTORY_LIMIT = 100


@dataclass(frozen=True, slots=True)
class _Phoneline:
    """What sipgate holds about a phoneline's call handling, as read."""

    entries: list[dict[str, Any]]
    voicemail: dict[str, Any] | None
    block_anonymous: dict[str, Any] | None


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


def _single(form: Mapping[str, list[str]], key: str) -> str:
    values = form.get(key) or [""]
    return values[0][:64]


def _call_state(ref: _LineRef, calls: set[str] | None) -> CallState | None:
    """Return whether a line is in a call: one of its numbers is (None: cannot tell)."""
    if calls is None:
        return None
    return CallState.IN_CALL if ref.numbers & calls else CallState.IDLE


def _to_e164(number: str) -> str | None:
    candidate = number if number.startswith("+") else f"+{number}"
    return candidate if is_e164(candidate) else None


class SipgateProvider(HttpProvider):
    """A sipgate account, through a personal access token or an OAuth token."""

    name = "sipgate"
    display_name = "sipgate"
    default_base_url = SIPGATE_API
    credential_fields = (
        CredentialField("token_id", required=False, sensitive=True),
        CredentialField("token", secret=True),
        CredentialField("base_url", required=False, default=SIPGATE_API, advanced=True),
        CredentialField("webhook_public_key", required=False, advanced=True),
    )
    push = PushKind.WEBHOOK

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
        self._endpoints = Endpoints({})
        self._devices: dict[str, list[dict[str, Any]]] = {}  # per user
        self._lines: dict[str, Line] = {}  # as last built
        self._read_at: dict[str, float] = {}  # when each line was last read whole
        # The user's key only overrides sipgate's published one (a test system).
        self._webhook_key = (
            str(config.get("webhook_public_key") or "").strip() or SIPGATE_PUSH_PUBLIC_KEY
        )
        # Calls announced by the push API: call id → (line id, answered).
        self._webhook_calls: dict[str, tuple[str, bool]] = {}
        # The newest history entry seen (its `created`), and missed calls found since.
        self._history_since: str | None = None
        self._polled_events: list[LineEvent] = []
        # Anonymous-call blocking per line: (when read, as read).
        self._block: dict[str, tuple[float, dict[str, Any] | None]] = {}

    def _headers(self, method: str, url: str, body: str) -> dict[str, str]:
        return {"Authorization": self._authorization}

    async def _get(self, resource: str) -> Any:
        return await self.request("GET", resource)

    async def _items(self, resource: str) -> list[dict[str, Any]]:
        answer = await self._get(resource)
        items = answer.get("items") if isinstance(answer, dict) else None
        return [item for item in items or [] if isinstance(item, dict)]

    async def _optional_items(self, resource: str) -> list[dict[str, Any]] | None:
        """Read a list the token or the contract may not allow (None then)."""
        try:
            return await self._items(resource)
        except CentrexPermissionError:
            return None

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
        """Find every user's lines, all users at once."""
        users = await self._items("/users")
        found = await asyncio.gather(*(self._user_lines(user) for user in users))
        self._refs = {ref.id: ref for refs in found for ref in refs}
        # Which sipgate endpoint is which line: fixed until the next discovery.
        self._endpoints = Endpoints({ref.endpoint_id: ref.id for ref in self._refs.values()})

    async def _user_lines(self, user: dict[str, Any]) -> list[_LineRef]:
        user_id = str(user["id"])
        holder = f"{user.get('firstname', '')} {user.get('lastname', '')}".strip() or None
        try:
            phonelines = await self._items(path(user_id, "phonelines"))
        except CentrexPermissionError, CentrexLineNotFoundError:
            # Newer accounts have no phoneline layer: numbers hang off devices.
            devices = await self._items(path(user_id, "devices"))
            return [
                _LineRef(
                    user_id,
                    str(device["id"]),
                    str(device.get("alias") or ""),
                    holder,
                    has_phoneline=False,
                )
                for device in devices
            ]
        refs = [
            _LineRef(
                user_id,
                str(phoneline["id"]),
                str(phoneline.get("alias") or ""),
                holder,
                has_phoneline=True,
            )
            for phoneline in phonelines
        ]
        numbers = await asyncio.gather(
            *(self._items(path(user_id, "phonelines", ref.endpoint_id, "numbers")) for ref in refs)
        )
        for ref, items in zip(refs, numbers, strict=True):
            ref.numbers = {str(item["number"]).lstrip("+") for item in items}
        return refs

    def poll_interval(self, default: float) -> float:
        """Poll more often on accounts read a slice at a time: each line within `REFRESH_CYCLE`."""
        slices = math.ceil(len(self._refs) / LINES_PER_POLL)
        if slices <= 1:
            return default
        return max(MIN_POLL_INTERVAL, min(default, REFRESH_CYCLE / slices))

    async def async_get_lines(self) -> list[Line]:
        """Read the account's calls and history, and the lines whose turn it is.

        Up to `LINES_PER_POLL` lines are read whole (devices, forwardings,
        voicemail): all of them on small accounts, the longest unread first on
        large ones. The others keep what was read, with their call state and
        unheard voicemails from this poll's account-wide reads.
        """
        if not self._refs:
            await self._discover()
        refs = list(self._refs.values())
        never_read = [ref for ref in refs if ref.id not in self._lines]
        by_age = sorted(
            (ref for ref in refs if ref.id in self._lines),
            key=lambda ref: self._read_at.get(ref.id, 0.0),
        )
        turn = [*never_read, *by_age[: max(0, LINES_PER_POLL - len(never_read))]]
        return await self._read(turn, refs)

    async def async_get_line(self, line_id: str) -> Line:
        """Read one line now."""
        ref = self._ref(line_id)
        (line,) = await self._read([ref], [ref])
        return line

    async def _read(self, turn: list[_LineRef], refs: list[_LineRef]) -> list[Line]:
        """Read calls, history and the lines of `turn` at once (one round trip); return `refs`."""
        users = sorted({ref.user_id for ref in turn})
        with_phonelines = [ref for ref in turn if ref.has_phoneline]
        calls, history, devices, settings = await asyncio.gather(
            self._calls(),
            self._history(),
            asyncio.gather(*(self._items(path(user_id, "devices")) for user_id in users)),
            asyncio.gather(*(self._read_phoneline(ref) for ref in with_phonelines)),
        )
        self._devices.update(zip(users, devices, strict=True))
        by_line = dict(zip((ref.id for ref in with_phonelines), settings, strict=True))
        unheard = self._take_history(history)
        now = time.monotonic()
        read = {ref.id for ref in turn}
        lines = []
        for index, ref in enumerate(refs):
            if index and not index % BUILD_BATCH:
                await asyncio.sleep(0)  # hundreds of lines: let the event loop breathe
            if ref.id in read:
                line = self._build(ref, calls, by_line.get(ref.id), unheard.get(ref.id))
                self._read_at[ref.id] = now
            else:
                line = self._with_live_state(self._lines[ref.id], ref, calls, unheard.get(ref.id))
            self._lines[ref.id] = line
            lines.append(line)
        return lines

    def _with_live_state(
        self, line: Line, ref: _LineRef, calls: set[str] | None, unheard: int | None
    ) -> Line:
        """Return a line not read this poll with this poll's call state and unheard count.

        The same object when neither changed: unchanged lines stay identical.
        """
        call_state = _call_state(ref, calls)
        voicemails = unheard if line.features.voicemail_messages else line.new_voicemails
        if call_state == line.call_state and voicemails == line.new_voicemails:
            return line
        return replace(line, call_state=call_state, new_voicemails=voicemails)

    async def _read_phoneline(self, ref: _LineRef) -> _Phoneline:
        """Return a phoneline's forwarding entries, voicemail and anonymous-call blocking."""
        entries, voicemails, block = await asyncio.gather(
            self._items(self._forwardings_path(ref)),
            self._optional_items(path(ref.user_id, "phonelines", ref.endpoint_id, "voicemails")),
            self._block_anonymous(ref),
        )
        return _Phoneline(entries, voicemails[0] if voicemails else None, block)

    async def _block_anonymous(self, ref: _LineRef) -> dict[str, Any] | None:
        """Read anonymous-call blocking every `OPTIONS_INTERVAL` (it rarely changes elsewhere)."""
        known = self._block.get(ref.id)
        if known is not None and time.monotonic() - known[0] < OPTIONS_INTERVAL:
            return known[1]
        block = await self._optional(self._block_anonymous_path(ref))
        self._block[ref.id] = (time.monotonic(), block)
        return block

    async def _read_forwarding_objects(
        self, ref: _LineRef
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Return a phoneline's forwarding entries and its voicemail, as sipgate holds them."""
        entries, voicemails = await asyncio.gather(
            self._items(self._forwardings_path(ref)),
            self._optional_items(path(ref.user_id, "phonelines", ref.endpoint_id, "voicemails")),
        )
        return entries, (voicemails[0] if voicemails else None)

    async def _optional(self, resource: str) -> dict[str, Any] | None:
        """Read an object the token, the contract or the account may not have (None then)."""
        try:
            answer = await self._get(resource)
        except CentrexPermissionError, CentrexLineNotFoundError:
            return None
        return answer if isinstance(answer, dict) else None

    def _block_anonymous_path(self, ref: _LineRef) -> str:
        return path(ref.user_id, "phonelines", ref.endpoint_id, "blockanonymous")

    # -- history: missed calls without webhooks, unheard voicemail -----------

    async def _history(self) -> list[dict[str, Any]] | None:
        """Return the newest calls and voicemails (None without the history:read scope)."""
        query = urlencode({"types": ["CALL", "VOICEMAIL"], "limit": HISTORY_LIMIT}, doseq=True)
        return await self._optional_items(f"/history?{query}")

    def _history_line(self, entry: dict[str, Any]) -> str | None:
        """Return the line a history entry is about (its phoneline, else its number)."""
        extensions = {str(e) for e in entry.get("connectionIds") or []} | {
            str((routed.get("endpoint") or {}).get("extension"))
            for routed in entry.get("endpoints") or []
            if isinstance(routed, dict)
        }
        for ref in self._refs.values():
            if ref.endpoint_id in extensions:
                return ref.id
        digits = "".join(ch for ch in str(entry.get("target", "")) if ch.isdigit())
        return next((ref.id for ref in self._refs.values() if digits in ref.numbers), None)

    def _take_history(self, history: list[dict[str, Any]] | None) -> dict[str, int | None]:
        """Count unheard voicemails per line; queue calls missed since the last poll."""
        if history is None:
            return dict.fromkeys(self._refs)
        unheard: dict[str, int | None] = dict.fromkeys(self._refs, 0)
        newest = self._history_since
        for entry in history:
            line_id = self._history_line(entry)
            if line_id is None:
                continue
            created = str(entry.get("created", ""))
            if entry.get("type") == "VOICEMAIL" and not entry.get("read"):
                unheard[line_id] = (unheard[line_id] or 0) + 1
            elif (
                entry.get("type") == "CALL"
                and entry.get("direction") == "MISSED_INCOMING"
                and self._history_since is not None
                and created > self._history_since
            ):
                caller = str(entry.get("source", ""))
                self._polled_events.append(
                    LineEvent(
                        line_id,
                        LineEventType.MISSED,
                        f"history-{entry.get('id')}",
                        caller=None if caller == "anonymous" else _to_e164(caller),
                        caller_name=str(entry.get("sourceAlias") or "") or None,
                    )
                )
            newest = max(newest or created, created)
        # The first poll only marks where history starts: older calls are not news.
        self._history_since = newest or self._history_since or ""
        return unheard

    def take_polled_events(self) -> list[LineEvent]:
        """Return the missed calls the last polls found in the history, once."""
        events, self._polled_events = self._polled_events, []
        return events

    def _ref(self, line_id: str) -> _LineRef:
        try:
            return self._refs[line_id]
        except KeyError:
            raise CentrexLineNotFoundError("unknown line", field="line") from None

    async def _calls(self) -> set[str] | None:
        """Return the numbers (digits) taking part in established calls.

        None when the token may not read calls (no `rtcm:read` scope): the
        call state is then unknown, and the rest of the poll goes on.
        """
        try:
            answer = await self._get("/calls")
        except CentrexPermissionError:
            return None
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

    def _build(
        self,
        ref: _LineRef,
        calls: set[str] | None,
        phoneline: _Phoneline | None,
        unheard: int | None,
    ) -> Line:
        devices = self._line_devices(ref)
        options: dict[LineOption, bool] = {}
        if phoneline is not None:
            forwarding = read_forwarding(phoneline.entries, phoneline.voicemail, self._endpoints)
            kinds = frozenset({ForwardKind.UNCONDITIONAL, ForwardKind.NO_ANSWER})
            if phoneline.block_anonymous is not None:
                options[LineOption.ANONYMOUS_CALL_REJECTION] = bool(
                    phoneline.block_anonymous.get("enabled")
                )
        else:
            forwarding, kinds = Forwarding(), frozenset()
        call_state = _call_state(ref, calls)
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
                options=frozenset(options),
                voicemail_messages=unheard is not None and ref.has_phoneline,
            ),
            forwarding=forwarding,
            do_not_disturb=bool(devices) and all(device.get("dnd") for device in devices),
            registered=any(device.get("online") for device in devices) if devices else None,
            call_state=call_state,
            holder=ref.holder,
            options=options,
            new_voicemails=unheard if ref.has_phoneline else None,
        )

    def _forwardings_path(self, ref: _LineRef) -> str:
        return path(ref.user_id, "phonelines", ref.endpoint_id, "forwardings")

    # -- push API (webhooks) ------------------------------------------------

    def handle_webhook(self, body: bytes, headers: Mapping[str, str], url: str) -> WebhookAnswer:
        """Check sipgate's signature, parse the form, and answer a new call.

        The answer to a `newCall` asks for the call's answer and hangup events
        at the same address.
        """
        if not self.verify_webhook(body, headers.get(SIGNATURE_HEADER)):
            raise CentrexWebhookSignatureError("bad signature")
        try:
            # No field count limit: a group call lists every ringing user; the
            # body size limit bounds the work.
            form = parse_qs(body.decode("utf-8"), strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as err:
            raise CentrexRequestError("not a form") from err
        events = self.parse_webhook(form)
        if _single(form, "event") != _Webhook.NEW_CALL:
            return WebhookAnswer(events)
        return WebhookAnswer(events, self.webhook_reply(url), "application/xml")

    def verify_webhook(self, body: bytes, signature: str | None) -> bool:
        """Check sipgate's RSA-SHA256 signature of the raw body (unsigned: refused)."""
        if not signature:
            return False
        try:
            key = serialization.load_pem_public_key(self._webhook_key.encode())
            if not isinstance(key, rsa.RSAPublicKey):
                return False
            key.verify(base64.b64decode(signature), body, padding.PKCS1v15(), hashes.SHA256())
        except ValueError, InvalidSignature, binascii.Error:
            return False
        return True

    async def async_get_webhook_target(self) -> str:
        """Return the account's sipgate.io incoming URL (scope settings:sipgateio:read)."""
        settings = await self._get("/settings/sipgateio")
        return str((settings or {}).get("incomingUrl") or "")

    async def async_set_webhook_target(self, url: str) -> None:
        """Set the incoming URL; the outgoing URL, log and whitelist go back as read."""
        settings = await self._get("/settings/sipgateio")
        current = settings if isinstance(settings, dict) else {}
        body = {
            "incomingUrl": url,
            "outgoingUrl": str(current.get("outgoingUrl") or ""),
            **{key: current[key] for key in ("log", "whitelist") if key in current},
        }
        await self.request("PUT", "/settings/sipgateio", json.dumps(body, separators=(",", ":")))

    def webhook_reply(self, url: str) -> str:
        """Answer a newCall so that sipgate also sends its answer and hangup events."""
        attribute = xml_escape(url, {'"': "&quot;"})
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Response onAnswer="{attribute}" onHangup="{attribute}"/>'
        )

    def _line_for(self, numbers: list[str], user_ids: list[str]) -> str | None:
        digits = {number.lstrip("+") for number in numbers if number}
        for ref in self._refs.values():
            if ref.numbers & digits:
                return ref.id
        return next((ref.id for ref in self._refs.values() if ref.user_id in user_ids), None)

    def _new_call(self, form: Mapping[str, list[str]], call_id: str) -> list[LineEvent]:
        if _single(form, "direction") != "in":
            return []  # outgoing calls are seen by polling
        line_id = self._line_for([_single(form, "to")], form.get("userId[]", []))
        if line_id is None:
            return []
        self._webhook_calls[call_id] = (line_id, False)
        caller = _single(form, "from")
        return [
            LineEvent(
                line_id,
                LineEventType.INCOMING,
                call_id,
                caller=None if caller == "anonymous" else _to_e164(caller),
                original_call_id=_single(form, "origCallId") or None,
            )
        ]

    def parse_webhook(self, form: Mapping[str, list[str]]) -> list[LineEvent]:
        """Turn one push API request (form fields) into line events.

        Raises CentrexRequestError when the request is not a push API event.
        """
        event = _single(form, "event")
        call_id = _single(form, "callId")
        if event not in {_Webhook.NEW_CALL, _Webhook.ANSWER, _Webhook.HANGUP} or not call_id:
            raise CentrexRequestError("not a sipgate push event")
        if event == _Webhook.NEW_CALL:
            return self._new_call(form, call_id)
        known = self._webhook_calls.get(call_id)
        if known is None:
            return []  # a call we never saw start (or already ended)
        line_id, answered = known
        if event == _Webhook.ANSWER:
            self._webhook_calls[call_id] = (line_id, True)
            return [LineEvent(line_id, LineEventType.ANSWERED, call_id)]
        del self._webhook_calls[call_id]
        if answered:
            return [LineEvent(line_id, LineEventType.ENDED, call_id)]
        # A call sipgate forwarded elsewhere was not missed: its new leg
        # (a newCall whose origCallId is this call) carries it on.
        kind = _UNANSWERED_END.get(_single(form, "cause"), LineEventType.MISSED)
        return [LineEvent(line_id, kind, call_id)]

    async def async_set_forwarding(self, line_id: str, forwarding: Forwarding) -> None:
        """Change what `forwarding` changes, reading sipgate's objects first.

        The entries and the voicemail are read just before the write, so a
        change made meanwhile in sipgate's web app is kept, and only what
        differs from them is sent.
        """
        ref = self._ref(line_id)
        if not ref.has_phoneline:
            raise CentrexInvalidRequestError("this line has no forwarding", field="kind")
        entries, voicemail = await self._read_forwarding_objects(ref)
        plan = plan_forwarding(entries, voicemail, self._endpoints, forwarding)
        if plan.entries is not None:
            body = json.dumps({"forwardings": plan.entries}, separators=(",", ":"))
            await self.request("PUT", self._forwardings_path(ref), body)
        if plan.voicemail is not None:
            voicemail_body = {
                "active": bool(plan.voicemail.get("active")),
                "timeout": int(plan.voicemail.get("timeout") or 0),
                "transcription": bool(plan.voicemail.get("transcription")),
            }
            resource = path(
                ref.user_id, "phonelines", ref.endpoint_id, "voicemails", str(plan.voicemail["id"])
            )
            await self.request("PUT", resource, json.dumps(voicemail_body, separators=(",", ":")))

    async def async_set_option(self, line_id: str, option: LineOption, enabled: bool) -> None:  # noqa: FBT001
        """Switch the blocking of anonymous calls, sending back what else was read."""
        ref = self._ref(line_id)
        if option is not LineOption.ANONYMOUS_CALL_REJECTION or not ref.has_phoneline:
            raise CentrexInvalidRequestError("sipgate has no such option", field="option")
        current = await self._get(self._block_anonymous_path(ref))
        body = {**(current if isinstance(current, dict) else {}), "enabled": enabled}
        await self.request(
            "PUT", self._block_anonymous_path(ref), json.dumps(body, separators=(",", ":"))
        )
        self._block.pop(line_id, None)  # read it back at once

    async def async_set_do_not_disturb(self, line_id: str, enabled: bool) -> None:  # noqa: FBT001
        """Set do-not-disturb on every device of the line.

        sipgate's own client sends `emergencyAddressId` with `dnd`; no endpoint
        we read publishes it, so it is sent back only when a device has one.
        """
        ref = self._ref(line_id)
        devices = self._line_devices(ref)
        if not devices:
            raise CentrexInvalidRequestError("this line has no device", field="do_not_disturb")
        for device in devices:
            change: dict[str, Any] = {"dnd": enabled}
            if isinstance(device.get("emergencyAddressId"), int):
                change["emergencyAddressId"] = device["emergencyAddressId"]
            body = json.dumps(change, separators=(",", ":"))
            await self.request("PUT", path("devices", str(device["id"])), body)


class _Webhook:
    """Names of the push API's form fields and events."""

    NEW_CALL = "newCall"
    ANSWER = "answer"
    HANGUP = "hangup"
