"""A client-side request budget, for providers that ask for fair use."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class RequestBudget:
    """A token bucket: `per_minute` requests a minute, in bursts of at most `burst`.

    `acquire` waits for a token instead of failing, so a busy moment slows the
    integration down rather than breaking it.
    """

    def __init__(
        self,
        per_minute: int,
        burst: int | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Start with a full bucket."""
        self.per_minute = per_minute
        self.burst = burst or per_minute
        # Looked up at each call, so that a test clock (freezegun) is honoured.
        self._clock = clock or (lambda: time.monotonic())  # noqa: PLW0108
        self._sleep = sleep
        self._tokens = float(self.burst)
        self._updated = self._clock()
        self._lock = asyncio.Lock()
        self._spent: deque[float] = deque()

    def _refill(self) -> None:
        now = self._clock()
        rate = self.per_minute / 60
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * rate)
        self._updated = now

    def available(self) -> int:
        """Return how many requests can be sent right now without waiting."""
        self._refill()
        return int(self._tokens)

    def used_last_minute(self) -> int:
        """Return how many requests were sent in the last 60 seconds."""
        horizon = self._clock() - 60
        while self._spent and self._spent[0] <= horizon:
            self._spent.popleft()
        return len(self._spent)

    async def acquire(self) -> None:
        """Take one token, waiting for the bucket to refill if it is empty."""
        async with self._lock:
            self._refill()
            while self._tokens < 1:
                await self._sleep((1 - self._tokens) * 60 / self.per_minute)
                self._refill()
            self._tokens -= 1
            self._spent.append(self._clock())
