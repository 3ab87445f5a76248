"""Repair issues warning about one account (credentials, webhooks)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


@callback
def async_warn(
    hass: HomeAssistant, issue_id: str, key: str, account_name: str, **values: str
) -> None:
    """Raise (or refresh) the warning `key` about an account; the user fixes it elsewhere."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=key,
        translation_placeholders={"account": account_name, **values},
    )


@callback
def async_clear(hass: HomeAssistant, issue_id: str) -> None:
    """Remove a warning whose cause went away."""
    ir.async_delete_issue(hass, DOMAIN, issue_id)
