"""A client-side request budget, for providers that ask for fair use."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

WINDOW = 60.0  # seconds


class RequestBudget:
    """At most `per_minute` requests in any 60 seconds (a sliding window).

    `acquire` waits for room instead of failing, so a busy moment slows the
    integration down rather than breaking it.
    """

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Start with the whole allowance available."""
        self.per_minute = per_minute
        # Looked up at each call, so that a test clock (freezegun) is honoured.
        self._clock = clock or (lambda: time.monotonic())  # noqa: PLW0108
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._spent: deque[float] = deque()

    def used_last_minute(self) -> int:
        """Return how many requests were sent in the last 60 seconds."""
        horizon = self._clock() - WINDOW
        while self._spent and self._spent[0] <= horizon:
            self._spent.popleft()
        return len(self._spent)

    def available(self) -> int:
        """Return how many requests can be sent right now without waiting."""
        return max(0, self.per_minute - self.used_last_minute())

    async def acquire(self) -> None:
        """Take one request of the allowance, waiting for room if there is none."""
        async with self._lock:
            while self.used_last_minute() >= self.per_minute:
                await self._sleep(self._spent[0] + WINDOW - self._clock())
            self._spent.append(self._clock())
