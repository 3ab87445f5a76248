"""Constants of the Centrex integration."""

from __future__ import annotations

from datetime import timedelta
from logging import Logger, getLogger
from typing import Final

DOMAIN: Final = "centrex"
LOGGER: Logger = getLogger(__package__)

CONF_PROVIDER: Final = "provider"
CONF_DESTINATIONS: Final = "destinations"
CONF_MOBILES: Final = "mobiles"

#: Fired when a line's forwarding or do-not-disturb changes; `source` says
#: whether Home Assistant or something else (a phone, the portal) changed it.
EVENT_FORWARDING_CHANGED: Final = "centrex_forwarding_changed"

# Forwarding rarely changes outside Home Assistant; call state moves faster
# but will come from push events. Thirty seconds keeps requests modest.
SCAN_INTERVAL: Final = timedelta(seconds=30)

#: On accounts of more than this many lines, only the entities a large office
#: drives every day start enabled (see `entity.py`); the others are created
#: disabled and can be enabled one by one. Thousands of entities cost every
#: Home Assistant restart, the recorder and each garbage collection.
LARGE_ACCOUNT_LINES: Final = 100
