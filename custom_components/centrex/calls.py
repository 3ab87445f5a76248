"""Live call state of a line from pushed events, robust to duplicates, reordering and loss.

Events are keyed by call id: a duplicate changes nothing, an event for a call
that already ended is ignored, and a call whose end was never received
expires, so a line is never stuck "ringing" or "in a call". Polling, when the
provider reports calls, has the last word.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from .api import CallState, LineEvent, LineEventType

#: A call ringing longer than this, or in progress longer than that, with no
#: news, is considered over (its end event was lost).
RINGING_EXPIRY = timedelta(minutes=3)
CALL_EXPIRY = timedelta(hours=4)
_FINISHED_MEMORY = 256


class CallTracker:
    """The calls of one line, as events told them."""

    def __init__(self) -> None:
        """Start with no call."""
        self._calls: dict[str, tuple[CallState, datetime]] = {}
        self._finished: deque[str] = deque(maxlen=_FINISHED_MEMORY)

    def apply(self, event: LineEvent, now: datetime) -> bool:
        """Take an event into account; return False if it was stale or a duplicate."""
        call_id = event.call_id or f"unnamed-{event.line_id}"
        if call_id in self._finished:
            return False  # late or repeated news of a call that has ended
        match event.type:
            case LineEventType.INCOMING:
                if call_id in self._calls:
                    return False
                self._calls[call_id] = (CallState.RINGING, now)
            case LineEventType.ANSWERED:
                if self._calls.get(call_id, (None,))[0] is CallState.IN_CALL:
                    return False
                self._calls[call_id] = (CallState.IN_CALL, now)
            case LineEventType.ENDED | LineEventType.MISSED | LineEventType.FORWARDED:
                self._calls.pop(call_id, None)
                self._finished.append(call_id)
            case _:
                return True
        return True

    def state(self, now: datetime) -> CallState:
        """Return the line's state from its live calls, after expiring stale ones."""
        for call_id, (state, since) in list(self._calls.items()):
            limit = RINGING_EXPIRY if state is CallState.RINGING else CALL_EXPIRY
            if now - since > limit:
                del self._calls[call_id]
        states = {state for state, _ in self._calls.values()}
        if CallState.IN_CALL in states:
            return CallState.IN_CALL
        return CallState.RINGING if CallState.RINGING in states else CallState.IDLE

    def reconcile(
        self, polled: CallState | None, now: datetime, *, push_connected: bool
    ) -> CallState | None:
        """Combine what polling reports with what events told.

        `polled` is None when the provider cannot tell (OVH): events decide,
        and without events nothing is known. Otherwise polling sees established
        calls for sure, but may miss ringing ones.
        """
        from_events = self.state(now)
        if polled is None:
            if from_events is CallState.IDLE and not push_connected:
                return None
            return from_events
        if polled is not CallState.IN_CALL:
            # No established call: calls we believed in progress are over.
            for call_id, (state, _) in list(self._calls.items()):
                if state is CallState.IN_CALL:
                    del self._calls[call_id]
                    self._finished.append(call_id)
            if from_events is CallState.RINGING:
                return CallState.RINGING
        return polled

    def has_live_call(self, now: datetime) -> bool:
        """Tell whether events announced a call that is still going on."""
        return self.state(now) is not CallState.IDLE
