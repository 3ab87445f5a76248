"""Destinations as an Asterisk PBX dials them, and back to the provider-neutral model.

The PBX stores what it dials: another extension ("202"), an outside number
behind the outside-line prefix ("0" + "0612345678"), or the direct-voicemail
prefix and an extension ("*201"). The model speaks E.164, `line:<ext>` and
`VOICEMAIL`. The home country tells national from international numbers.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

from .exceptions import CentrexInvalidRequestError, InvalidPhoneNumberError
from .models import (
    OTHER_PREFIX,
    VOICEMAIL,
    ForwardRule,
    destination_line_id,
    is_other_destination,
    line_destination,
)
from .numbers import to_e164

#: FreePBX's direct-voicemail prefix: `*201` leaves a message for 201.
VOICEMAIL_PREFIX = "*"
_DIALABLE = frozenset("0123456789*#+")


@dataclass(frozen=True, slots=True)
class DialPlan:
    """How this PBX dials: its outside-line prefix and its country."""

    outside_prefix: str = ""
    country: str | None = None

    def read(self, line_id: str, dialled: str, extensions: AbstractSet[str]) -> ForwardRule:
        """Return the active rule for what the PBX dials when forwarding `line_id`."""
        if dialled == f"{VOICEMAIL_PREFIX}{line_id}":
            return ForwardRule(active=True, destination=VOICEMAIL)
        if dialled in extensions:
            return ForwardRule(active=True, destination=line_destination(dialled))
        for candidate in self._outside_candidates(dialled):
            try:
                return ForwardRule(active=True, destination=to_e164(candidate, self.country))
            except InvalidPhoneNumberError:
                continue
        # Something only the PBX knows (a ring group, a feature code): shown,
        # never rewritten.
        return ForwardRule(active=True, destination=f"{OTHER_PREFIX}{dialled}", label=dialled)

    def _outside_candidates(self, dialled: str) -> list[str]:
        if self.outside_prefix and dialled.startswith(self.outside_prefix):
            rest = dialled.removeprefix(self.outside_prefix)
            return [self._international(rest), self._international(dialled)]
        return [self._international(dialled)]

    def _international(self, digits: str) -> str:
        """Return `digits` with the international call prefix read as "+"."""
        if self.country:
            metadata = PhoneMetadata.metadata_for_region(self.country.upper())
            idd = metadata.international_prefix if metadata is not None else None
            if idd and idd.isdigit() and digits.startswith(idd):
                return f"+{digits.removeprefix(idd)}"
        return digits

    def dial(self, line_id: str, destination: str, extensions: AbstractSet[str]) -> str:
        """Return what the PBX must dial for `destination` (raise when it cannot)."""
        if destination == VOICEMAIL:
            return f"{VOICEMAIL_PREFIX}{line_id}"
        if (target := destination_line_id(destination)) is not None:
            if target == line_id or target not in extensions:
                raise CentrexInvalidRequestError(
                    "a line can only forward to another extension of the PBX",
                    field="destination",
                )
            return target
        if is_other_destination(destination):
            dialled = destination.removeprefix(OTHER_PREFIX)
            if not dialled or not set(dialled) <= _DIALABLE:
                raise CentrexInvalidRequestError("not a dialable destination", field="destination")
            return dialled
        parsed = phonenumbers.parse(to_e164(destination), None)
        region = (self.country or "").upper() or None
        if region is not None and phonenumbers.region_code_for_number(parsed) == region:
            formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        elif region is not None:
            formatted = phonenumbers.format_out_of_country_calling_number(parsed, region)
        else:
            formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        digits = "".join(ch for ch in formatted if ch in _DIALABLE)
        return f"{self.outside_prefix}{digits}"
