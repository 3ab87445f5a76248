"""Warns, with a repair issue, when an account's credentials expire soon; looks once a day."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .api import Account, CentrexError, CentrexProvider
from .const import LOGGER
from .issues import async_clear, async_warn
from .runtime import CentrexConfigEntry

#: How long before credentials expire the user is told, and how often we look.
CREDENTIALS_WARNING = timedelta(days=14)
CREDENTIALS_CHECK = timedelta(days=1)


def credentials_issue_id(entry_id: str) -> str:
    """Return the repair issue id saying an account's credentials expire soon."""
    return f"credentials_expiring_{entry_id}"


async def async_check_credentials(
    hass: HomeAssistant, entry_id: str, provider: CentrexProvider, account: Account
) -> None:
    """Create the repair issue when the credentials expire within two weeks, else clear it."""
    try:
        expiry = await provider.async_get_credentials_expiry()
    except CentrexError as err:
        # Polling reports outages and refused credentials; this only warns.
        LOGGER.debug("Could not read when the credentials of %s expire: %s", account.name, err)
        return
    issue_id = credentials_issue_id(entry_id)
    if expiry is None or expiry - dt_util.utcnow() > CREDENTIALS_WARNING:
        async_clear(hass, issue_id)
        return
    date = dt_util.as_local(expiry).strftime("%Y-%m-%d %H:%M")
    async_warn(hass, issue_id, "credentials_expiring", account.name, date=date)


async def async_setup_credentials_check(
    hass: HomeAssistant, entry: CentrexConfigEntry, provider: CentrexProvider, account: Account
) -> None:
    """Check now (setup waits: one request), then once a day while the entry is loaded."""

    async def check(_now: datetime | None = None) -> None:
        await async_check_credentials(hass, entry.entry_id, provider, account)

    await check()
    entry.async_on_unload(async_track_time_interval(hass, check, CREDENTIALS_CHECK))
