"""Live call state of an account's lines: pushed events and polling, merged in one place.

Events are keyed by call id: a duplicate changes nothing, an event for a call
that already ended is ignored, and a call whose end was never received
expires, so a line is never stuck "ringing" or "in a call". Polling, when the
provider reports calls, has the last word.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from .api import CallState, Line, LineEvent, LineEventType, PushKind

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


def _changed(line: Line, **changes: Any) -> Line:
    """Return `line` with `changes`, or `line` itself when they change nothing."""
    if all(getattr(line, name) == value for name, value in changes.items()):
        return line
    return replace(line, **changes)


class LiveCalls:
    """The calls of every line of an account, whether push works, and what it missed."""

    def __init__(self, push: PushKind | None, on_missed: Callable[[str], None]) -> None:
        """Start with no call; `on_missed` counts a missed call of a line."""
        self.push = push
        #: Whether pushed events currently arrive (None: the provider has no push).
        self.connected: bool | None = None if push is None else False
        #: Established calls that polling saw but no webhook announced.
        self.unannounced = 0
        #: Whether the provider's own webhook setting could be read (then it,
        #: not the unannounced calls, tells whether webhooks reach us).
        self.webhook_target_known = False
        self._on_missed = on_missed
        self._trackers: dict[str, CallTracker] = {}
        #: What polling last reported about calls, per line (None: cannot tell).
        self._polled: dict[str, CallState | None] = {}

    def _tracker(self, line_id: str) -> CallTracker:
        return self._trackers.setdefault(line_id, CallTracker())

    def merge(self, line: Line, now: datetime, event: LineEvent | None = None) -> Line | None:
        """Return the line with its call state from both polling and events.

        Without `event`, `line` is as the provider just reported it. With one,
        `line` is as last known and the event is applied; None when the event
        is stale or a duplicate. The same object comes back when nothing changed.
        """
        tracker = self._tracker(line.id)
        if event is None:
            self._polled[line.id] = line.call_state
            if (
                self.push is PushKind.WEBHOOK
                and line.call_state is CallState.IN_CALL
                and not tracker.has_live_call(now)
            ):
                self.unannounced += 1
            state = tracker.reconcile(line.call_state, now, push_connected=bool(self.connected))
            return _changed(line, call_state=state)
        if not tracker.apply(event, now):
            return None
        if event.type is LineEventType.MISSED:
            self._on_missed(line.id)
        registered = {
            LineEventType.REGISTERED: True,
            LineEventType.UNREGISTERED: False,
        }.get(event.type, line.registered)
        state = tracker.reconcile(None, now, push_connected=True)
        return _changed(line, call_state=state, registered=registered)

    def set_connected(self, lines: dict[str, Line], now: datetime, *, connected: bool) -> bool:
        """Record whether push works; update `lines` in place. Return whether it changed.

        Without polled call states (OVH), whether events flow decides "idle"
        or "unknown".
        """
        if self.connected == connected:
            return False
        self.connected = connected
        for line_id, line in lines.items():
            state = self._tracker(line_id).reconcile(
                self._polled.get(line_id), now, push_connected=connected
            )
            lines[line_id] = _changed(line, call_state=state)
        return True
