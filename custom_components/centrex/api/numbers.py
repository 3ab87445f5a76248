"""Phone number parsing and formatting, shared by drivers and the integration."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from .exceptions import InvalidPhoneNumberError

# Longest input worth handing to the parser; E.164 numbers have at most 15
# digits, so anything far longer is not a phone number whatever it holds.
_MAX_INPUT_LENGTH = 40


@lru_cache(maxsize=4096)
def to_e164(text: str, default_region: str | None = None) -> str:
    """Parse a number as a person would type it and return it in E.164.

    National forms such as "06 12 34 56 78" need `default_region` ("FR").
    Cached: drivers convert the same few numbers at every refresh, and parsing
    costs far more than the rest of reading a line.
    """
    if len(text) > _MAX_INPUT_LENGTH:
        raise InvalidPhoneNumberError(text[:_MAX_INPUT_LENGTH])
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as err:
        raise InvalidPhoneNumberError(text) from err
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumberError(text)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_e164(text: str) -> bool:
    """Tell whether the text already is a valid number in strict E.164 form."""
    try:
        return to_e164(text) == text
    except InvalidPhoneNumberError:
        return False


def is_premium_rate(e164: str) -> bool:
    """Tell whether a number is a premium-rate one (providers refuse those)."""
    parsed = phonenumbers.parse(e164)
    return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.PREMIUM_RATE
