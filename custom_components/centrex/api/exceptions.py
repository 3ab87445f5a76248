"""Exceptions raised by provider drivers.

Messages never contain credentials: drivers pass only what the provider said
about the request (a status, an error code, a field name).
"""

from __future__ import annotations


class CentrexError(Exception):
    """Base class of every error raised by the provider layer."""


class CentrexConnectionError(CentrexError):
    """The provider could not be reached or answered with a server error."""


class CentrexAuthenticationError(CentrexError):
    """The provider refused the credentials."""


class CentrexRateLimitError(CentrexConnectionError):
    """The provider asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Keep the provider's hint about when to try again."""
        super().__init__(message)
        self.retry_after = retry_after


class CentrexRequestError(CentrexError):
    """The provider rejected a request as invalid (a destination, a delay)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        """Remember which field the provider objected to, when known."""
        super().__init__(message)
        self.field = field


class CentrexInvalidRequestError(CentrexRequestError):
    """We refused a change before sending it: the provider would not accept it.

    The message says why (a delay out of the provider's range, a destination
    only the provider's own tools can set), so users can tell our refusal from
    the provider's.
    """


class InvalidPhoneNumberError(CentrexInvalidRequestError, ValueError):
    """The text is not a valid phone number (the message is the text, cut short)."""


class CentrexInvalidDelayError(CentrexInvalidRequestError):
    """A no-answer delay the line's provider does not accept (the message is the value)."""


class CentrexWebhookSignatureError(CentrexRequestError):
    """A webhook whose signature does not prove it comes from the provider."""


class CentrexLineNotFoundError(CentrexRequestError):
    """The line (or another resource) does not exist on this account (any more)."""


class CentrexPermissionError(CentrexError):
    """The credentials are valid but do not allow this (missing right or feature)."""

    def __init__(self, message: str, *, missing: str | None = None) -> None:
        """Name the missing right, when the provider's answer tells it."""
        super().__init__(message)
        self.missing = missing


class CentrexMissingDestinationError(CentrexInvalidRequestError):
    """Forwarding was switched on with nowhere to send the calls."""

    def __init__(self) -> None:
        """Name the field at fault."""
        super().__init__("a destination is needed", field="destination")
