"""The Centrex integration: hosted-telephony lines as Home Assistant devices."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.hass_dict import HassKey

from .api import CentrexAuthenticationError, CentrexError, CentrexProvider, create_provider
from .const import CONF_PROVIDER, DOMAIN
from .coordinator import CentrexConfigEntry, CentrexCoordinator
from .push import (
    PushStream,
    async_check_webhook,
    async_check_webhook_registration,
    async_setup_webhook,
)
from .restore import Restorer
from .services import async_setup_services
from .storage import LineMemory

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TEXT,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

#: How often the provider's webhook setting is looked at.
WEBHOOK_CHECK = timedelta(hours=1)

#: Accounts that exist only in memory (the demo), by entry, with the data they
#: were created from: reloading an entry (saving its options does) finds them
#: as they were left. A restart starts them over.
IN_MEMORY_ACCOUNTS: HassKey[dict[str, tuple[dict[str, Any], CentrexProvider]]] = HassKey(
    f"{DOMAIN}_in_memory_accounts"
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what the integration shares between accounts: its actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: CentrexConfigEntry) -> bool:
    """Connect to one account and add its lines."""
    provider = _provider(hass, entry)
    try:
        account = await provider.async_get_account()
    except CentrexAuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        ) from err
    except CentrexError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="communication_error"
        ) from err

    # The account is the hub every line device is reached through.
    account_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, account.id)},
        name=account.name,
        manufacturer=provider.display_name,
        model="Centrex account",
        entry_type=dr.DeviceEntryType.SERVICE,
    )
    memory = LineMemory(hass, entry.entry_id)
    await memory.async_load()
    coordinator = CentrexCoordinator(hass, entry, provider, account, account_device.id, memory)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    coordinator.restorer = Restorer(hass, coordinator)
    entry.async_on_unload(coordinator.restorer.async_start())

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(coordinator.async_add_listener(coordinator.async_remove_stale_devices))
    coordinator.async_remove_stale_devices()
    if provider.push == "stream":
        PushStream(hass, coordinator).async_start(entry)
    elif provider.push == "webhook":
        entry.async_on_unload(async_setup_webhook(hass, entry, coordinator))

        # The provider's webhook setting: now, then every hour (it changes rarely).
        async def check_registration(_now: datetime | None = None) -> None:
            await async_check_webhook_registration(hass, coordinator)

        entry.async_create_background_task(
            hass, check_registration(), f"{DOMAIN} webhook setting {entry.entry_id}"
        )
        entry.async_on_unload(async_track_time_interval(hass, check_registration, WEBHOOK_CHECK))
        # After every poll, changed or not: calls polling sees but no webhook announced.
        check = partial(async_check_webhook, hass, coordinator)
        coordinator.sync_listeners.append(check)
        entry.async_on_unload(lambda: coordinator.sync_listeners.remove(check))
    return True


def _provider(hass: HomeAssistant, entry: CentrexConfigEntry) -> CentrexProvider:
    """Create the account's driver, or find the in-memory account it already was."""
    kept = hass.data.setdefault(IN_MEMORY_ACCOUNTS, {})
    data = dict(entry.data)
    if (found := kept.get(entry.entry_id)) is not None and found[0] == data:
        return found[1]
    provider = create_provider(entry.data[CONF_PROVIDER], async_get_clientsession(hass), data)
    if provider.in_memory:
        kept[entry.entry_id] = (data, provider)
    return provider


async def async_unload_entry(hass: HomeAssistant, entry: CentrexConfigEntry) -> bool:
    """Remove the account's entities and keep what must survive a restart."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.memory.async_save_now()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: CentrexConfigEntry) -> None:
    """Forget what was remembered for a deleted account."""
    hass.data.get(IN_MEMORY_ACCOUNTS, {}).pop(entry.entry_id, None)
    await LineMemory(hass, entry.entry_id).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: CentrexConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a line's device only once the line is gone from the account."""
    current = entry.runtime_data.current_identifiers()
    return not any(
        domain == DOMAIN and identifier in current for domain, identifier in device.identifiers
    )
