"""The Centrex integration: hosted-telephony lines as Home Assistant devices."""

from __future__ import annotations

from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.hass_dict import HassKey

from .api import CentrexAuthenticationError, CentrexError, CentrexProvider, create_provider
from .calls import LiveCalls
from .changes import LineChanges
from .const import CONF_PROVIDER, DOMAIN
from .coordinator import CentrexCoordinator
from .credentials import async_setup_credentials_check
from .devices import StaleDevices, async_create_account_device, current_identifiers
from .push import async_setup_push
from .restore import Restorer
from .runtime import CentrexConfigEntry, CentrexRuntimeData
from .services import async_setup_services
from .storage import LineMemory
from .writes import LineWriter

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
        await provider.async_close()
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        ) from err
    except CentrexError as err:
        await provider.async_close()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="communication_error"
        ) from err

    account_device = async_create_account_device(hass, entry, provider, account)
    memory = LineMemory(hass, entry.entry_id)
    await memory.async_load()
    calls = LiveCalls(provider.push, memory.count_missed)
    changes = LineChanges(hass, entry, memory)
    coordinator = CentrexCoordinator(hass, entry, provider, account, calls, changes)
    writer = LineWriter(hass, entry, provider, coordinator, memory)
    entry.runtime_data = CentrexRuntimeData(
        provider=provider,
        account=account,
        account_device_id=account_device.id,
        coordinator=coordinator,
        calls=calls,
        memory=memory,
        writer=writer,
        restorer=Restorer(hass, writer, memory),
    )
    try:
        await coordinator.async_config_entry_first_refresh()
    except Exception:
        if not provider.in_memory:
            await provider.async_close()  # the next attempt opens its own connection
        raise
    await async_setup_credentials_check(hass, entry, provider, account)
    entry.async_on_unload(entry.runtime_data.restorer.async_start())

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    stale = StaleDevices(hass, entry)
    entry.async_on_unload(coordinator.async_add_listener(stale.async_update))
    stale.async_update()
    async_setup_push(hass, entry)
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
        if not entry.runtime_data.provider.in_memory:
            await entry.runtime_data.provider.async_close()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: CentrexConfigEntry) -> None:
    """Forget what was remembered for a deleted account."""
    hass.data.get(IN_MEMORY_ACCOUNTS, {}).pop(entry.entry_id, None)
    await LineMemory(hass, entry.entry_id).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: CentrexConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a line's device only once the line is gone from the account."""
    current = current_identifiers(entry.runtime_data)
    return not any(
        domain == DOMAIN and identifier in current for domain, identifier in device.identifiers
    )
