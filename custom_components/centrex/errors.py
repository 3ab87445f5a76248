"""The one place where provider-layer errors become translated Home Assistant errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, Protocol

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    CentrexAuthenticationError,
    CentrexError,
    CentrexInvalidDelayError,
    CentrexInvalidRequestError,
    CentrexLineNotFoundError,
    CentrexMissingDestinationError,
    CentrexPermissionError,
    CentrexRequestError,
    InvalidPhoneNumberError,
)
from .const import DOMAIN

if TYPE_CHECKING:
    from .runtime import CentrexConfigEntry


#: How provider-layer errors are told to users, the most specific first:
#: (error type, translation key, its placeholder, a validation error or not).
_TRANSLATIONS: tuple[tuple[type[Exception], str, str | None, bool], ...] = (
    (InvalidPhoneNumberError, "invalid_phone_number", "number", True),
    (CentrexInvalidDelayError, "invalid_delay", "value", True),
    (CentrexMissingDestinationError, "destination_required", None, True),
    (CentrexLineNotFoundError, "line_not_found", None, True),
    # Our own refusal, before anything was sent: say so, and why.
    (CentrexInvalidRequestError, "request_not_sent", "reason", True),
    # The provider's refusal, with what it said.
    (CentrexRequestError, "provider_rejected", "reason", True),
    (CentrexAuthenticationError, "authentication_failed", None, False),
    (CentrexPermissionError, "permission_denied", "reason", False),
)


def translated_error(err: CentrexError) -> HomeAssistantError:
    """Return the translated Home Assistant error for a provider-layer error."""
    for kind, key, placeholder, validation in _TRANSLATIONS:
        if isinstance(err, kind):
            error = ServiceValidationError if validation else HomeAssistantError
            return error(
                translation_domain=DOMAIN,
                translation_key=key,
                translation_placeholders={placeholder: str(err)} if placeholder else None,
            )
    return HomeAssistantError(translation_domain=DOMAIN, translation_key="communication_error")


class _OfAccount(Protocol):
    """Something acting for one account."""

    hass: HomeAssistant
    entry: CentrexConfigEntry


def translate_errors[OwnerT: _OfAccount, **P, R](
    func: Callable[Concatenate[OwnerT, P], Awaitable[R]],
) -> Callable[Concatenate[OwnerT, P], Awaitable[R]]:
    """Decorate an account's action so that it raises only translated errors.

    Refused credentials also start reauthentication.
    """

    @wraps(func)
    async def handler(self: OwnerT, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await func(self, *args, **kwargs)
        except CentrexError as err:
            if isinstance(err, CentrexAuthenticationError):
                self.entry.async_start_reauth(self.hass)
            raise translated_error(err) from err

    return handler
