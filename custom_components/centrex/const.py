"""Constants of the Centrex integration."""

from __future__ import annotations

from datetime import timedelta
from logging import Logger, getLogger
from typing import Final

DOMAIN: Final = "centrex"
LOGGER: Logger = getLogger(__package__)

CONF_PROVIDER: Final = "provider"

# Forwarding rarely changes outside Home Assistant; call state moves faster
# but will come from push events. One minute keeps requests modest.
SCAN_INTERVAL: Final = timedelta(seconds=30)
