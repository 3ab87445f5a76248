"""What a loaded account holds (`entry.runtime_data`), all created before anything uses it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .const import CONF_DESTINATIONS

if TYPE_CHECKING:
    from .api import Account, CentrexProvider
    from .calls import LiveCalls
    from .coordinator import CentrexCoordinator
    from .restore import Restorer
    from .storage import LineMemory
    from .writes import LineWriter

type CentrexConfigEntry = ConfigEntry[CentrexRuntimeData]


@dataclass(frozen=True, slots=True)
class CentrexRuntimeData:
    """One account: its driver, its polling, its live calls, its memory, its writes."""

    provider: CentrexProvider
    account: Account
    #: The device registry id of the account's hub device.
    account_device_id: str
    coordinator: CentrexCoordinator
    calls: LiveCalls
    memory: LineMemory
    writer: LineWriter
    restorer: Restorer
    #: Taken by a platform for each batch of entities it adds, so that the
    #: batches of different platforms never run in the same loop iteration.
    entity_adding: asyncio.Lock = field(default_factory=asyncio.Lock)


def saved_destinations(entry: CentrexConfigEntry) -> dict[str, str]:
    """Return the account's saved destinations (options), number by name."""
    return {str(d["name"]): str(d["number"]) for d in entry.options.get(CONF_DESTINATIONS, [])}
