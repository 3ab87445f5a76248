"""Pushed events: the provider's event stream, or its webhooks, feeding the coordinator.

Polling always continues underneath: when push breaks, states stay fresh at
the polling pace, the connection is retried with backoff, and the user is
told once when push goes and once when it comes back.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qs

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError

from .api import CentrexError, CentrexRequestError
from .const import DOMAIN, LOGGER
from .coordinator import CentrexConfigEntry, CentrexCoordinator

CONF_WEBHOOK_ID = "webhook_id"
#: sipgate's events are a few hundred bytes; a group call adds about 75 bytes
#: per ringing user, so this leaves room for several hundred users.
MAX_WEBHOOK_BODY = 64 * 1024
BACKOFF_START = 1.0
BACKOFF_MAX = 300.0
#: Established calls polling saw without any webhook: then the webhook is
#: probably not registered or not reachable.
UNANNOUNCED_CALLS_LIMIT = 3


class PushStream:
    """Keeps a stream-type provider's event stream running, reconnecting with backoff."""

    def __init__(self, hass: HomeAssistant, coordinator: CentrexCoordinator) -> None:
        """Prepare; `async_start` runs it."""
        self.hass = hass
        self.coordinator = coordinator
        self._backoff = BACKOFF_START
        self._was_connected = False

    @callback
    def async_start(self, entry: CentrexConfigEntry) -> None:
        """Run the stream for as long as the entry is loaded."""
        entry.async_create_background_task(
            self.hass, self._run(), f"{DOMAIN} push {entry.entry_id}"
        )

    async def _run(self) -> None:
        provider = self.coordinator.provider
        while True:
            try:
                await provider.async_listen(self.coordinator.async_handle_event, self._connected)
                reason = "the stream ended"
            except CentrexError as err:
                reason = str(err)
            self._lost(reason)
            await asyncio.sleep(self._backoff)
            self._backoff = min(self._backoff * 2, BACKOFF_MAX)

    @callback
    def _connected(self) -> None:
        self._backoff = BACKOFF_START
        if self._was_connected and not self.coordinator.push_connected:
            LOGGER.info("Live events from %s are back", self.coordinator.account.name)
        self._was_connected = True
        self.coordinator.async_set_push_connected(connected=True)

    @callback
    def _lost(self, reason: str) -> None:
        if self.coordinator.push_connected:
            LOGGER.info(
                "Live events from %s stopped (%s); polling continues and the stream is retried",
                self.coordinator.account.name,
                reason,
            )
        else:
            LOGGER.debug(
                "Live events from %s unavailable: %s", self.coordinator.account.name, reason
            )
        self.coordinator.async_set_push_connected(connected=False)


def webhook_url(hass: HomeAssistant, webhook_id: str) -> str:
    """Return the address the provider must call, or a placeholder when none is known."""
    try:
        return webhook.async_generate_url(hass, webhook_id)
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)


@callback
def async_setup_webhook(
    hass: HomeAssistant, entry: CentrexConfigEntry, coordinator: CentrexCoordinator
) -> Callable[[], None]:
    """Receive the provider's webhooks on a random, secret address; return the unregister."""
    webhook_id = entry.data.get(CONF_WEBHOOK_ID)
    if not webhook_id:
        webhook_id = secrets.token_hex(32)
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_WEBHOOK_ID: webhook_id}
        )

    async def handle(hass: HomeAssistant, webhook_id: str, request: web.Request) -> web.Response:
        return await _async_handle_webhook(hass, coordinator, webhook_id, request)

    webhook.async_register(hass, DOMAIN, entry.title, webhook_id, handle, allowed_methods=["POST"])
    return lambda: webhook.async_unregister(hass, webhook_id)


async def _async_handle_webhook(
    hass: HomeAssistant, coordinator: CentrexCoordinator, webhook_id: str, request: web.Request
) -> web.Response:
    """Check, parse and apply one webhook; anything wrong changes nothing."""
    if (request.content_length or 0) > MAX_WEBHOOK_BODY:
        return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    body = await request.content.read(MAX_WEBHOOK_BODY + 1)
    if len(body) > MAX_WEBHOOK_BODY:
        return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    provider = coordinator.provider
    header = provider.webhook_signature_header
    if not provider.verify_webhook(body, request.headers.get(header) if header else None):
        LOGGER.warning("Rejected a webhook for %s with a bad signature", coordinator.account.name)
        return web.Response(status=HTTPStatus.UNAUTHORIZED)
    try:
        # No field count limit: a group call lists every ringing user; the
        # body size above bounds the work.
        form = parse_qs(body.decode("utf-8"), strict_parsing=True)
        events = provider.parse_webhook(form)
    except UnicodeDecodeError, ValueError, CentrexRequestError:
        return web.Response(status=HTTPStatus.BAD_REQUEST)
    async_webhook_seen(hass, coordinator)
    for event in events:
        coordinator.async_handle_event(event)
    if form.get("event") == ["newCall"]:
        # Ask for the answer and hangup events of this call, at this same address.
        reply = provider.webhook_reply(webhook_url(hass, webhook_id))
        return web.Response(text=reply, content_type="application/xml")
    return web.Response(status=HTTPStatus.OK)


@callback
def async_webhook_seen(hass: HomeAssistant, coordinator: CentrexCoordinator) -> None:
    """Record that a webhook arrived: push works."""
    coordinator.unannounced_calls = 0
    coordinator.async_set_push_connected(connected=True)
    ir.async_delete_issue(hass, DOMAIN, webhook_issue_id(coordinator))


def webhook_issue_id(coordinator: CentrexCoordinator) -> str:
    """Return the repair issue id saying the webhook is not reached."""
    return f"webhook_unreachable_{coordinator.config_entry.entry_id}"


async def async_check_webhook_registration(
    hass: HomeAssistant, coordinator: CentrexCoordinator
) -> None:
    """Look at the provider's own setting: tell whether it calls our address.

    Where the credentials may not read it, the guess from calls that polling
    saw but no webhook announced (`async_check_webhook`) stands in.
    """
    webhook_id = coordinator.config_entry.data.get(CONF_WEBHOOK_ID, "")
    ours = webhook_url(hass, webhook_id)
    try:
        target = await coordinator.provider.async_get_webhook_target()
    except CentrexError:
        coordinator.webhook_target_known = False
        return
    coordinator.webhook_target_known = True
    issue_id = webhook_registration_issue_id(coordinator)
    if target == ours:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    coordinator.async_set_push_connected(connected=False)
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="webhook_not_registered",
        translation_placeholders={
            "account": coordinator.account.name,
            "url": ours,
            "current": target or "-",
        },
    )


def webhook_registration_issue_id(coordinator: CentrexCoordinator) -> str:
    """Return the repair issue id saying the provider calls another address (or none)."""
    return f"webhook_not_registered_{coordinator.config_entry.entry_id}"


@callback
def async_check_webhook(hass: HomeAssistant, coordinator: CentrexCoordinator) -> None:
    """After a poll: too many calls no webhook announced means the webhook is not reached."""
    if coordinator.webhook_target_known or coordinator.unannounced_calls < UNANNOUNCED_CALLS_LIMIT:
        return
    coordinator.async_set_push_connected(connected=False)
    webhook_id = coordinator.config_entry.data.get(CONF_WEBHOOK_ID, "")
    ir.async_create_issue(
        hass,
        DOMAIN,
        webhook_issue_id(coordinator),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="webhook_unreachable",
        translation_placeholders={
            "account": coordinator.account.name,
            "url": webhook_url(hass, webhook_id),
        },
    )
