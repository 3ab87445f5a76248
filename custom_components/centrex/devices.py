"""The account's devices: the account hub and one device per line, and their identifiers."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .api import Account, CentrexProvider, Line
from .const import DOMAIN
from .runtime import CentrexConfigEntry, CentrexRuntimeData


def line_identifier(account_id: str, line_id: str) -> str:
    """Return the device identifier of a line (unique across accounts)."""
    return f"{account_id}_{line_id}"


def line_of_device(
    runtime: CentrexRuntimeData, device: dr.DeviceEntry | dr.ChildDeviceEntry
) -> str | None:
    """Return the line a device of this account stands for, if it is a current line's."""
    prefix = line_identifier(runtime.account.id, "")
    lines = runtime.coordinator.data.lines
    for domain, identifier in device.identifiers:
        if domain == DOMAIN and identifier.startswith(prefix):
            line_id = identifier.removeprefix(prefix)
            if line_id in lines:
                return line_id
    return None


def is_account_device(
    runtime: CentrexRuntimeData, device: dr.DeviceEntry | dr.ChildDeviceEntry
) -> bool:
    """Tell whether a device is the account's hub."""
    return (DOMAIN, runtime.account.id) in device.identifiers


def line_device_info(runtime: CentrexRuntimeData, line: Line) -> DeviceInfo:
    """Describe a line as a device reached through the account's device."""
    return DeviceInfo(
        identifiers={(DOMAIN, line_identifier(runtime.account.id, line.id))},
        name=line.name,
        manufacturer=runtime.provider.display_name,
        model=line.device_kind.value.replace("_", " ").capitalize(),
        serial_number=line.number,
        via_device_id=runtime.account_device_id,
    )


def account_device_info(account: Account) -> DeviceInfo:
    """Refer to the account's hub device."""
    return DeviceInfo(identifiers={(DOMAIN, account.id)})


@callback
def async_create_account_device(
    hass: HomeAssistant, entry: CentrexConfigEntry, provider: CentrexProvider, account: Account
) -> dr.DeviceEntry:
    """Create (or find) the hub every line device is reached through."""
    return dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, account.id)},
        name=account.name,
        manufacturer=provider.display_name,
        model="Centrex account",
        entry_type=dr.DeviceEntryType.SERVICE,
    )


def line_device_id(hass: HomeAssistant, runtime: CentrexRuntimeData, line_id: str) -> str | None:
    """Return the device registry id of a line."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, line_identifier(runtime.account.id, line_id)),
        runtime.coordinator.config_entry.entry_id,
    )
    return device.id if device else None


def current_identifiers(runtime: CentrexRuntimeData) -> set[str]:
    """Return the device identifiers of the account and of the lines it has now."""
    account_id = runtime.account.id
    lines = runtime.coordinator.data.lines
    return {account_id} | {line_identifier(account_id, line_id) for line_id in lines}


class StaleDevices:
    """Removes the devices of lines the provider no longer lists."""

    def __init__(self, hass: HomeAssistant, entry: CentrexConfigEntry) -> None:
        """Watch one account's lines."""
        self.hass = hass
        self.entry = entry
        self._line_ids: frozenset[str] | None = None

    @callback
    def async_update(self) -> None:
        """Remove stale devices; returns at once unless the set of lines changed.

        Runs on every data update (events included).
        """
        runtime = self.entry.runtime_data
        line_ids = frozenset(runtime.coordinator.data.lines)
        if line_ids == self._line_ids:
            return
        self._line_ids = line_ids
        registry = dr.async_get(self.hass)
        wanted = current_identifiers(runtime)
        for device in dr.async_entries_for_config_entry(registry, self.entry.entry_id):
            ours = {identifier for domain, identifier in device.identifiers if domain == DOMAIN}
            if ours and not ours & wanted:
                # A device belongs to one config entry: ours, so it goes.
                registry.async_remove_device(device.id)
