"""Turns provider errors raised by entity actions into translated errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    CentrexAuthenticationError,
    CentrexError,
    CentrexInvalidRequestError,
    CentrexLineNotFoundError,
    CentrexMissingDestinationError,
    CentrexProvider,
    CentrexRequestError,
    InvalidPhoneNumberError,
    Line,
)
from .const import DOMAIN
from .coordinator import CentrexCoordinator

if TYPE_CHECKING:
    from .entity import CentrexLineEntity


#: How provider-layer errors are told to users, the most specific first:
#: (error type, translation key, its placeholder, a validation error or not).
_TRANSLATIONS: tuple[tuple[type[Exception], str, str | None, bool], ...] = (
    (InvalidPhoneNumberError, "invalid_phone_number", "number", True),
    (CentrexMissingDestinationError, "destination_required", None, True),
    (CentrexLineNotFoundError, "line_not_found", None, True),
    # Our own refusal, before anything was sent: say so, and why.
    (CentrexInvalidRequestError, "request_not_sent", "reason", True),
    # The provider's refusal, with what it said.
    (CentrexRequestError, "provider_rejected", "reason", True),
    (CentrexAuthenticationError, "authentication_failed", None, False),
)


def translated_error(err: Exception) -> HomeAssistantError:
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


def account_error(coordinator: CentrexCoordinator, err: Exception) -> HomeAssistantError:
    """Translate an error of an account's action; refused credentials also start reauth."""
    if isinstance(err, CentrexAuthenticationError):
        coordinator.config_entry.async_start_reauth(coordinator.hass)
    return translated_error(err)


async def async_write_checked(
    coordinator: CentrexCoordinator,
    line_id: str,
    write: Callable[[CentrexProvider, Line], Awaitable[None]],
    applied: Callable[[Line], bool],
) -> Line:
    """Send a change, read the line back, and fail unless the change holds.

    `write` gets the line as it is when the write starts (writes to a line run
    one at a time). Provider errors come out translated.
    """
    try:
        line = await coordinator.async_write_line(
            line_id, lambda provider: write(provider, coordinator.data.lines[line_id])
        )
    except (CentrexError, InvalidPhoneNumberError) as err:
        raise account_error(coordinator, err) from err
    if not applied(line):
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="not_applied",
            translation_placeholders={"line": line.name},
        )
    return line


def centrex_exception_handler[EntityT: CentrexLineEntity, **P](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, Any]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Decorate an entity action so that it raises only translated errors."""

    async def handler(self: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except (CentrexError, InvalidPhoneNumberError) as err:
            raise account_error(self.coordinator, err) from err

    return handler
