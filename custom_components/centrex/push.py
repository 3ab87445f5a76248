"""Pushed events: the provider's event stream, or its webhooks, feeding the coordinator.

Polling always continues underneath: when push breaks, states stay fresh at
the polling pace, the connection is retried with backoff, and the user is
told once when push goes and once when it comes back. What a webhook looks
like (its signature, its fields, the reply) is the driver's business.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta
from http import HTTPStatus

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.network import NoURLAvailableError

from .api import CentrexError, CentrexRequestError, CentrexWebhookSignatureError, PushKind
from .const import DOMAIN, LOGGER
from .issues import async_clear, async_warn
from .runtime import CentrexConfigEntry

CONF_WEBHOOK_ID = "webhook_id"
BACKOFF_START = 1.0
BACKOFF_MAX = 300.0
#: Established calls polling saw without any webhook: then the webhook is
#: probably not registered or not reachable.
UNANNOUNCED_CALLS_LIMIT = 3
#: How often the provider's webhook setting is looked at.
WEBHOOK_CHECK = timedelta(hours=1)


@callback
def async_setup_push(hass: HomeAssistant, entry: CentrexConfigEntry) -> None:
    """Start receiving the account's pushed events, if its provider pushes."""
    match entry.runtime_data.provider.push:
        case PushKind.STREAM:
            PushStream(hass, entry).async_start()
        case PushKind.WEBHOOK:
            _async_setup_webhook(hass, entry)
        case None:
            pass


class PushStream:
    """Keeps a stream-type provider's event stream running, reconnecting with backoff."""

    def __init__(self, hass: HomeAssistant, entry: CentrexConfigEntry) -> None:
        """Prepare; `async_start` runs it."""
        self.hass = hass
        self.entry = entry
        self.runtime = entry.runtime_data
        self._backoff = BACKOFF_START
        self._was_connected = False

    @callback
    def async_start(self) -> None:
        """Run the stream for as long as the entry is loaded."""
        self.entry.async_create_background_task(
            self.hass, self._run(), f"{DOMAIN} push {self.entry.entry_id}"
        )

    async def _run(self) -> None:
        coordinator = self.runtime.coordinator
        while True:
            try:
                await self.runtime.provider.async_listen(
                    coordinator.async_handle_event, self._connected
                )
                reason = "the stream ended"
            except CentrexError as err:
                reason = str(err)
            self._lost(reason)
            await asyncio.sleep(self._backoff)
            self._backoff = min(self._backoff * 2, BACKOFF_MAX)

    @callback
    def _connected(self) -> None:
        self._backoff = BACKOFF_START
        if self._was_connected and not self.runtime.calls.connected:
            LOGGER.info("Live events from %s are back", self.runtime.account.name)
            # Whatever happened while the stream was down: read it all again.
            self.entry.async_create_background_task(
                self.hass,
                self.runtime.coordinator.async_request_refresh(),
                f"{DOMAIN} re-read {self.entry.entry_id}",
            )
        self._was_connected = True
        self.runtime.coordinator.async_set_push_connected(connected=True)

    @callback
    def _lost(self, reason: str) -> None:
        name = self.runtime.account.name
        if self.runtime.calls.connected:
            LOGGER.info(
                "Live events from %s stopped (%s); polling continues and the stream is retried",
                name,
                reason,
            )
        else:
            LOGGER.debug("Live events from %s unavailable: %s", name, reason)
        self.runtime.coordinator.async_set_push_connected(connected=False)


def webhook_url(hass: HomeAssistant, webhook_id: str) -> str:
    """Return the address the provider must call, or a placeholder when none is known."""
    try:
        return webhook.async_generate_url(hass, webhook_id)
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)


def entry_webhook_url(hass: HomeAssistant, entry: CentrexConfigEntry) -> str:
    """Return the address of the entry's webhook."""
    return webhook_url(hass, entry.data.get(CONF_WEBHOOK_ID, ""))


@callback
def _async_setup_webhook(hass: HomeAssistant, entry: CentrexConfigEntry) -> None:
    """Receive the provider's webhooks on a random, secret address; watch that they come."""
    webhook_id = entry.data.get(CONF_WEBHOOK_ID)
    if not webhook_id:
        webhook_id = secrets.token_hex(32)
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_WEBHOOK_ID: webhook_id}
        )
    runtime = entry.runtime_data

    async def handle(hass: HomeAssistant, webhook_id: str, request: web.Request) -> web.Response:
        return await _async_handle_webhook(hass, entry, webhook_id, request)

    webhook.async_register(hass, DOMAIN, entry.title, webhook_id, handle, allowed_methods=["POST"])
    entry.async_on_unload(lambda: webhook.async_unregister(hass, webhook_id))

    # The provider's webhook setting: now, then every hour (it changes rarely).
    async def check_registration(_now: datetime | None = None) -> None:
        await async_check_webhook_registration(hass, entry)

    entry.async_create_background_task(
        hass, check_registration(), f"{DOMAIN} webhook setting {entry.entry_id}"
    )
    entry.async_on_unload(async_track_time_interval(hass, check_registration, WEBHOOK_CHECK))
    # After every poll: calls polling sees but no webhook announced.
    entry.async_on_unload(
        runtime.coordinator.async_add_listener(lambda: async_check_webhook(hass, entry))
    )


async def _async_handle_webhook(
    hass: HomeAssistant, entry: CentrexConfigEntry, webhook_id: str, request: web.Request
) -> web.Response:
    """Check, parse and apply one webhook; anything wrong changes nothing."""
    runtime = entry.runtime_data
    limit = runtime.provider.webhook_max_body
    if (request.content_length or 0) > limit:
        return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    body = await request.content.read(limit + 1)
    if len(body) > limit:
        return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    try:
        answer = runtime.provider.handle_webhook(
            body, request.headers, webhook_url(hass, webhook_id)
        )
    except CentrexWebhookSignatureError:
        LOGGER.warning("Rejected a webhook for %s with a bad signature", runtime.account.name)
        return web.Response(status=HTTPStatus.UNAUTHORIZED)
    except CentrexRequestError:
        return web.Response(status=HTTPStatus.BAD_REQUEST)
    async_webhook_seen(hass, entry)
    for event in answer.events:
        runtime.coordinator.async_handle_event(event)
    if answer.body:
        return web.Response(text=answer.body, content_type=answer.content_type)
    return web.Response(status=HTTPStatus.OK)


@callback
def async_webhook_seen(hass: HomeAssistant, entry: CentrexConfigEntry) -> None:
    """Record that a webhook arrived: push works."""
    runtime = entry.runtime_data
    runtime.calls.unannounced = 0
    runtime.coordinator.async_set_push_connected(connected=True)
    async_clear(hass, webhook_issue_id(entry))


def webhook_issue_id(entry: CentrexConfigEntry) -> str:
    """Return the repair issue id saying the webhook is not reached."""
    return f"webhook_unreachable_{entry.entry_id}"


def webhook_registration_issue_id(entry: CentrexConfigEntry) -> str:
    """Return the repair issue id saying the provider calls another address (or none)."""
    return f"webhook_not_registered_{entry.entry_id}"


async def async_check_webhook_registration(hass: HomeAssistant, entry: CentrexConfigEntry) -> None:
    """Look at the provider's own setting: tell whether it calls our address.

    Where the credentials may not read it, the guess from calls that polling
    saw but no webhook announced (`async_check_webhook`) stands in.
    """
    runtime = entry.runtime_data
    ours = entry_webhook_url(hass, entry)
    try:
        target = await runtime.provider.async_get_webhook_target()
    except CentrexError:
        runtime.calls.webhook_target_known = False
        return
    runtime.calls.webhook_target_known = True
    issue_id = webhook_registration_issue_id(entry)
    if target == ours:
        async_clear(hass, issue_id)
        return
    runtime.coordinator.async_set_push_connected(connected=False)
    async_warn(
        hass,
        issue_id,
        "webhook_not_registered",
        runtime.account.name,
        url=ours,
        current=target or "-",
    )


@callback
def async_check_webhook(hass: HomeAssistant, entry: CentrexConfigEntry) -> None:
    """After a poll: too many calls no webhook announced means the webhook is not reached."""
    runtime = entry.runtime_data
    calls = runtime.calls
    if calls.webhook_target_known or calls.unannounced < UNANNOUNCED_CALLS_LIMIT:
        return
    runtime.coordinator.async_set_push_connected(connected=False)
    url = entry_webhook_url(hass, entry)
    async_warn(hass, webhook_issue_id(entry), "webhook_unreachable", runtime.account.name, url=url)
