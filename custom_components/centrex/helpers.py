"""Turns provider errors raised by entity actions into translated errors."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Concatenate

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    CentrexAuthenticationError,
    CentrexError,
    CentrexLineNotFoundError,
    CentrexMissingDestinationError,
    CentrexRequestError,
    InvalidPhoneNumberError,
)
from .const import DOMAIN
from .entity import CentrexLineEntity


def translated_error(err: Exception) -> HomeAssistantError:
    """Return the translated Home Assistant error for a provider-layer error."""
    if isinstance(err, InvalidPhoneNumberError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_phone_number",
            translation_placeholders={"number": str(err)},
        )
    if isinstance(err, CentrexMissingDestinationError):
        return ServiceValidationError(
            translation_domain=DOMAIN, translation_key="destination_required"
        )
    if isinstance(err, CentrexLineNotFoundError):
        return ServiceValidationError(translation_domain=DOMAIN, translation_key="line_not_found")
    if isinstance(err, CentrexRequestError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="provider_rejected",
            translation_placeholders={"reason": str(err)},
        )
    if isinstance(err, CentrexAuthenticationError):
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        )
    return HomeAssistantError(translation_domain=DOMAIN, translation_key="communication_error")


def centrex_exception_handler[EntityT: CentrexLineEntity, **P](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, Any]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Decorate an entity action so that it raises only translated errors."""

    async def handler(self: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except (CentrexError, InvalidPhoneNumberError) as err:
            if isinstance(err, CentrexAuthenticationError):
                self.coordinator.config_entry.async_start_reauth(self.hass)
            raise translated_error(err) from err

    return handler
