"""Provider layer of the Centrex integration; importable without Home Assistant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import ClientSession

from .asterisk import AsteriskProvider
from .demo import DemoProvider
from .exceptions import (
    CentrexAuthenticationError,
    CentrexConnectionError,
    CentrexError,
    CentrexInvalidDelayError,
    CentrexInvalidRequestError,
    CentrexLineNotFoundError,
    CentrexMissingDestinationError,
    CentrexPermissionError,
    CentrexRateLimitError,
    CentrexRequestError,
    CentrexWebhookSignatureError,
    InvalidPhoneNumberError,
)
from .models import (
    LINE_PREFIX,
    OTHER_PREFIX,
    VOICEMAIL,
    Account,
    CallState,
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
from .modes import (
    ForwardingMode,
    all_off,
    available_modes,
    current_destination,
    current_mode,
    is_all_off,
    with_delay,
    with_destination,
    with_mode,
)
from .numbers import to_e164
from .ovh import OvhProvider
from .provider import (
    CentrexProvider,
    CredentialField,
    EventCallback,
    PendingAuthorization,
    PushKind,
    WebhookAnswer,
    redacted_keys,
)
from .sipgate import SipgateProvider

#: Every driver, by the name stored in config entries.
PROVIDERS: dict[str, type[CentrexProvider]] = {
    DemoProvider.name: DemoProvider,
    OvhProvider.name: OvhProvider,
    SipgateProvider.name: SipgateProvider,
    AsteriskProvider.name: AsteriskProvider,
}


def create_provider(
    name: str, session: ClientSession, config: Mapping[str, Any]
) -> CentrexProvider:
    """Build the driver called `name` on an injected HTTP session."""
    return PROVIDERS[name](session, config)


__all__ = [
    "LINE_PREFIX",
    "OTHER_PREFIX",
    "PROVIDERS",
    "VOICEMAIL",
    "Account",
    "CallState",
    "CentrexAuthenticationError",
    "CentrexConnectionError",
    "CentrexError",
    "CentrexInvalidDelayError",
    "CentrexInvalidRequestError",
    "CentrexLineNotFoundError",
    "CentrexMissingDestinationError",
    "CentrexPermissionError",
    "CentrexProvider",
    "CentrexRateLimitError",
    "CentrexRequestError",
    "CentrexWebhookSignatureError",
    "CredentialField",
    "DelayRange",
    "DeviceKind",
    "EventCallback",
    "ForwardKind",
    "ForwardRule",
    "Forwarding",
    "ForwardingMode",
    "InvalidPhoneNumberError",
    "Line",
    "LineEvent",
    "LineEventType",
    "LineFeatures",
    "LineOption",
    "PendingAuthorization",
    "PushKind",
    "WebhookAnswer",
    "all_off",
    "available_modes",
    "create_provider",
    "current_destination",
    "current_mode",
    "destination_line_id",
    "is_all_off",
    "is_other_destination",
    "line_destination",
    "redacted_keys",
    "to_e164",
    "with_delay",
    "with_destination",
    "with_mode",
]
