"""Forwarding modes: the simple choices offered to users, over the four kinds.

A mode says which of the unconditional, busy and no-answer rules are on; the
unreachable rule is independent of it (a line can forward when offline
whatever the mode). All rules switched on by a mode share one destination.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from .exceptions import CentrexInvalidDelayError, CentrexMissingDestinationError
from .models import Forwarding, ForwardKind, ForwardRule, LineFeatures


class ForwardingMode(StrEnum):
    """What a user chooses for a line."""

    OFF = "off"
    ALWAYS = "always"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    BUSY_OR_NO_ANSWER = "busy_or_no_answer"


MODE_KINDS: dict[ForwardingMode, frozenset[ForwardKind]] = {
    ForwardingMode.OFF: frozenset(),
    ForwardingMode.ALWAYS: frozenset({ForwardKind.UNCONDITIONAL}),
    ForwardingMode.BUSY: frozenset({ForwardKind.BUSY}),
    ForwardingMode.NO_ANSWER: frozenset({ForwardKind.NO_ANSWER}),
    ForwardingMode.BUSY_OR_NO_ANSWER: frozenset({ForwardKind.BUSY, ForwardKind.NO_ANSWER}),
}

#: The kinds a mode controls, in the order their destination is reported.
MODE_CONTROLLED_KINDS = (ForwardKind.UNCONDITIONAL, ForwardKind.NO_ANSWER, ForwardKind.BUSY)


def available_modes(features: LineFeatures) -> list[ForwardingMode]:
    """Return the modes a line's provider can apply, in a stable order."""
    return [mode for mode, kinds in MODE_KINDS.items() if kinds <= features.forward_kinds]


def current_mode(forwarding: Forwarding) -> ForwardingMode | None:
    """Return the mode the line is in, or None if no mode describes it."""
    active = frozenset(kind for kind in MODE_CONTROLLED_KINDS if forwarding.is_active(kind))
    if ForwardKind.UNCONDITIONAL in active:
        # Unconditional forwarding takes every call: the others cannot apply.
        return ForwardingMode.ALWAYS
    for mode, kinds in MODE_KINDS.items():
        if kinds == active:
            return mode
    return None  # pragma: no cover - every subset of busy/no-answer is a mode


def current_destination(forwarding: Forwarding) -> str | None:
    """Return where calls go in the current mode, else the last known target."""
    rules = [forwarding.rule(kind) for kind in MODE_CONTROLLED_KINDS]
    for rule in rules:
        if rule.active and rule.destination:
            return rule.destination
    rules.append(forwarding.rule(ForwardKind.UNREACHABLE))
    return next((rule.destination for rule in rules if rule.destination), None)


def with_mode(forwarding: Forwarding, mode: ForwardingMode, destination: str | None) -> Forwarding:
    """Return the forwarding with `mode` applied, its rules going to `destination`."""
    if mode is not ForwardingMode.OFF and not destination:
        raise CentrexMissingDestinationError
    result = forwarding
    if mode is ForwardingMode.ALWAYS:
        # Unconditional forwarding is exclusive: the unreachable rule goes off too.
        unreachable = forwarding.rule(ForwardKind.UNREACHABLE)
        result = result.with_rule(ForwardKind.UNREACHABLE, replace(unreachable, active=False))
    for kind in MODE_CONTROLLED_KINDS:
        active = kind in MODE_KINDS[mode]
        rule = forwarding.rule(kind)
        target = destination if active else rule.destination
        result = result.with_rule(kind, ForwardRule(active=active, destination=target))
    return result


def with_destination(
    forwarding: Forwarding, destination: str, features: LineFeatures
) -> Forwarding:
    """Return the forwarding with every rule of the current mode going to `destination`.

    With forwarding off, the destination is remembered on the rules the line
    supports, so that the next mode chosen uses it.
    """
    mode = current_mode(forwarding) or ForwardingMode.OFF
    kinds = MODE_KINDS[mode] or features.forward_kinds.intersection(MODE_CONTROLLED_KINDS)
    result = forwarding
    for kind in kinds:
        rule = forwarding.rule(kind)
        result = result.with_rule(kind, ForwardRule(active=rule.active, destination=destination))
    return result


def all_off(forwarding: Forwarding) -> Forwarding:
    """Return the forwarding with every rule off, unreachable included; destinations kept."""
    result = with_mode(forwarding, ForwardingMode.OFF, None)
    unreachable = forwarding.rule(ForwardKind.UNREACHABLE)
    if unreachable.active:
        result = result.with_rule(ForwardKind.UNREACHABLE, replace(unreachable, active=False))
    return result


def is_all_off(forwarding: Forwarding) -> bool:
    """Tell whether no rule of the forwarding is on."""
    return not any(rule.active for rule in forwarding.rules.values())


def with_delay(forwarding: Forwarding, features: LineFeatures, delay: float) -> Forwarding:
    """Return the forwarding with a new no-answer delay, checked against the provider's range."""
    if features.no_answer_delay is None:
        raise CentrexInvalidDelayError(str(delay))
    return replace(forwarding, no_answer_delay=features.no_answer_delay.checked(delay))
