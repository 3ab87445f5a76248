"""The interface every provider driver implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from aiohttp import ClientSession

from .exceptions import CentrexInvalidRequestError
from .models import Account, Forwarding, Line, LineEvent, LineOption

#: Receives the events a provider pushes.
EventCallback = Callable[[LineEvent], None]


@dataclass(frozen=True, slots=True)
class CredentialField:
    """One field a provider needs to connect (shown in the config flow)."""

    key: str
    #: A password: masked in forms, never shown anywhere.
    secret: bool = False
    required: bool = True
    default: str | None = None
    advanced: bool = False
    #: Not a password, but says who the account is or opens it with a secret
    #: (an application key, a token id): kept out of diagnostics too.
    sensitive: bool = False
    #: When set, the value is one of these (a drop-down in the form).
    choices: tuple[str, ...] = ()

    @property
    def redacted(self) -> bool:
        """Whether diagnostics must hide the field."""
        return self.secret or self.sensitive


class PushKind(StrEnum):
    """How a provider pushes events."""

    #: The driver follows the provider's event stream (see `async_listen`).
    STREAM = "stream"
    #: The provider calls a Home Assistant webhook (see `handle_webhook`).
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """What a webhook told, and what to answer the provider."""

    events: list[LineEvent] = field(default_factory=list)
    body: str = ""
    content_type: str = "text/plain"


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    """Credentials that work once the user approves them on the provider's site."""

    url: str
    config: dict[str, Any]


class CentrexProvider(ABC):
    """A connection to one Centrex account at one provider.

    Drivers validate input as their provider does and raise the exceptions of
    `.exceptions`; they never log or raise credentials.
    """

    #: Stable identifier of the driver, stored in config entries.
    name: str
    #: How the provider is called, for device manufacturers.
    display_name: str
    #: The fields `create` expects in `config`.
    credential_fields: tuple[CredentialField, ...] = ()
    #: True when the account exists only in this object (the demo): the
    #: integration then keeps the object across reloads of its entry, as a
    #: real provider keeps an account, so reloading undoes nothing.
    in_memory: bool = False

    def __init__(self, session: ClientSession, config: Mapping[str, Any]) -> None:
        """Keep the shared HTTP session and the entry's connection data."""
        self.session = session
        self.config = config

    async def async_prepare_credentials(self) -> PendingAuthorization | None:
        """Obtain missing credentials for the user, if the provider can.

        Returns what the user must approve, or None when the credentials given
        are complete.
        """
        return None

    async def async_get_credentials_expiry(self) -> datetime | None:
        """Return when the credentials stop working, if they expire at all."""
        return None

    def request_budget(self) -> tuple[int, int] | None:
        """Return (requests in the last minute, allowed per minute) if rate-limited here."""
        return None

    #: How the provider pushes events, or None (polling only).
    push: PushKind | None = None
    #: The largest webhook body the provider sends (bigger ones are refused unread).
    webhook_max_body: int = 64 * 1024

    def poll_interval(self, default: float) -> float:
        """Return the seconds between polls: `default`, or less where a poll reads only some lines.

        A driver that re-reads large accounts a slice at a time polls more
        often, so that every line is still re-read within its refresh cycle.
        """
        return default

    async def async_listen(self, on_event: EventCallback, on_connected: Callable[[], None]) -> None:
        """Follow the provider's event stream until cancelled.

        Calls `on_connected` once the stream is established (again), and
        raises a `CentrexError` when it breaks; the caller reconnects.
        """
        raise NotImplementedError

    async def async_close(self) -> None:  # noqa: B027 - most drivers use the shared session
        """Close the driver's own connections (those not in the shared HTTP session)."""

    def handle_webhook(self, body: bytes, headers: Mapping[str, str], url: str) -> WebhookAnswer:
        """Check and parse one webhook received at `url`; return its events and the reply.

        Raises CentrexWebhookSignatureError when it is not authentic, and
        CentrexRequestError when it is not one of the provider's events.
        """
        raise NotImplementedError

    async def async_get_webhook_target(self) -> str:
        """Return the address the provider sends incoming calls' events to ("" when none).

        Raises CentrexPermissionError when the credentials may not read it.
        """
        raise NotImplementedError

    async def async_set_webhook_target(self, url: str) -> None:
        """Make `url` the address of incoming calls' events, keeping the other settings."""
        raise NotImplementedError

    @abstractmethod
    async def async_get_account(self) -> Account:
        """Check the credentials and describe the account."""

    @abstractmethod
    async def async_get_lines(self) -> list[Line]:
        """Return every line of the account with its current state."""

    @abstractmethod
    async def async_get_line(self, line_id: str) -> Line:
        """Return one line with its current state."""

    @abstractmethod
    async def async_set_forwarding(self, line_id: str, forwarding: Forwarding) -> None:
        """Make the line's forwarding equal to `forwarding`."""

    @abstractmethod
    async def async_set_do_not_disturb(self, line_id: str, enabled: bool) -> None:  # noqa: FBT001
        """Switch do-not-disturb on or off."""

    def take_polled_events(self) -> list[LineEvent]:
        """Return, once, events the last polls found (missed calls read from a history)."""
        return []

    async def async_set_option(self, line_id: str, option: LineOption, enabled: bool) -> None:  # noqa: FBT001
        """Switch one of the line's options (those in its features) on or off."""
        raise CentrexInvalidRequestError("this provider has no such option", field="option")


def redacted_keys(providers: Iterable[type[CentrexProvider]]) -> frozenset[str]:
    """Return the entry-data keys diagnostics hide, as the drivers declare them."""
    return frozenset(
        credential.key
        for provider in providers
        for credential in provider.credential_fields
        if credential.redacted
    )
