"""Which lines an action targets: line devices or entities, or the account device for all lines."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.target import TargetSelection, async_extract_referenced_entity_ids
from homeassistant.util.json import JsonValueType

from .api import Line
from .const import DOMAIN
from .devices import is_account_device, line_device_id, line_of_device
from .runtime import CentrexConfigEntry, CentrexRuntimeData


def invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """Return the translated validation error `key`."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


@dataclass(frozen=True, slots=True)
class TargetLine:
    """One line an action targets, and its account."""

    hass: HomeAssistant
    runtime: CentrexRuntimeData
    line_id: str

    @property
    def line(self) -> Line:
        """The line as last read."""
        return self.runtime.coordinator.data.lines[self.line_id]

    @property
    def device_id(self) -> str | None:
        """The line's device registry id."""
        return line_device_id(self.hass, self.runtime, self.line_id)

    def result(self, error: Exception | None = None) -> JsonValueType:
        """Describe how the action went on this line."""
        return {
            "line": self.line.name,
            "device_id": self.device_id,
            "success": error is None,
            "error": str(error) if error else None,
        }


def _lines_of_device(
    hass: HomeAssistant, device: dr.DeviceEntry | dr.ChildDeviceEntry
) -> list[TargetLine] | None:
    """Return the lines a device stands for, or None if it is not ours."""
    if not isinstance(device, dr.DeviceEntry) or device.config_entry_id is None:
        return None
    entry: CentrexConfigEntry | None = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is None or entry.domain != DOMAIN:
        return None
    if entry.state is not ConfigEntryState.LOADED:
        raise invalid("entry_not_loaded", account=entry.title)
    runtime = entry.runtime_data
    if is_account_device(runtime, device):
        return [TargetLine(hass, runtime, line_id) for line_id in runtime.coordinator.data.lines]
    line_id = line_of_device(runtime, device)
    return None if line_id is None else [TargetLine(hass, runtime, line_id)]


def resolve_lines(call: ServiceCall) -> list[TargetLine]:
    """Return the lines a call targets; explicit targets that are not lines are an error."""
    hass = call.hass
    selection = async_extract_referenced_entity_ids(
        hass, TargetSelection(call.data), primary_entities_only=False
    )
    entity_registry = er.async_get(hass)
    explicit = set(cv.ensure_list(call.data.get(ATTR_DEVICE_ID)))
    device_ids = set(selection.referenced_devices)
    for entity_id in selection.referenced | selection.indirectly_referenced:
        entity = entity_registry.async_get(entity_id)
        if entity is not None and entity.platform == DOMAIN and entity.device_id:
            device_ids.add(entity.device_id)
            if entity_id in selection.referenced:
                explicit.add(entity.device_id)
    device_registry = dr.async_get(hass)
    lines: dict[tuple[str, str], TargetLine] = {}
    for device_id in sorted(device_ids):
        device = device_registry.async_get(device_id)
        found = _lines_of_device(hass, device) if device else None
        if found is None:
            if device_id in explicit:
                raise invalid("not_a_line")
            continue
        for target in found:
            lines[(target.runtime.coordinator.config_entry.entry_id, target.line_id)] = target
    if not lines:
        raise invalid("no_lines")
    return list(lines.values())
