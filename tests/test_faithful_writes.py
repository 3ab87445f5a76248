"""A write changes only what it targets: property tests over provider states the specs allow.

Hypothesis generates what sipgate's forwardings and voicemail, and OVH's line
options, may hold (tests/schemas/), then one action a user can take; the
request computed for it must be valid for the provider's schema, must give the
asked-for forwarding when read back, and must leave every entry and field the
action did not target exactly as it was read.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30WriteValidator

from custom_components.centrex.api import (
    VOICEMAIL,
    CentrexRequestError,
    Forwarding,
    ForwardingMode,
    ForwardKind,
    line_destination,
    with_destination,
    with_mode,
)
from custom_components.centrex.api.ovh import OVH_FEATURES, OvhProvider, _LineRef
from custom_components.centrex.api.sipgate_forwarding import (
    FORWARD_KINDS,
    Endpoints,
    plan_forwarding,
    read_forwarding,
)

from .fakes.ovh import BILLING_ACCOUNT, line_options
from .fakes.schema import load

SETTINGS = settings(max_examples=400, deadline=None)

# -- sipgate -------------------------------------------------------------------

ENDPOINTS = Endpoints({"p0": "w0_p0", "p1": "w1_p1"})
ALIASES = {"p1": "Vertrieb Jonas", "g1": "Accounting group", "g7": "Lager", "e3": "Fax"}
SIPGATE_DESTINATIONS = ["4930123456710", "4917612345678", "p1", "g1", "g7", "e3"]

sipgate_entries = st.lists(
    st.builds(
        lambda destination, timeout, active: {
            "alias": ALIASES.get(destination, ""),
            "destination": destination,
            "timeout": timeout,
            "active": active,
        },
        st.sampled_from(SIPGATE_DESTINATIONS),
        st.integers(0, 600),
        st.booleans(),
    ),
    max_size=3,
)
sipgate_voicemail = st.one_of(
    st.none(),
    st.builds(
        lambda timeout, active, transcription: {
            "id": "v0",
            "alias": "Mailbox",
            "timeout": timeout,
            "active": active,
            "transcription": transcription,
        },
        st.integers(0, 600),
        st.booleans(),
        st.booleans(),
    ),
)
TARGETS = ["+4917699999999", "+4930123456710", line_destination("w1_p1"), VOICEMAIL]
actions = st.one_of(
    st.tuples(
        st.just("mode"),
        st.sampled_from([ForwardingMode.ALWAYS, ForwardingMode.NO_ANSWER]),
        st.sampled_from(TARGETS),
    ),
    st.tuples(st.just("mode"), st.just(ForwardingMode.OFF), st.none()),
    st.tuples(st.just("destination"), st.sampled_from(TARGETS), st.none()),
    st.tuples(st.just("delay"), st.integers(1, 600), st.none()),
)


def _apply(action: tuple[Any, Any, Any], current: Forwarding, features: Any) -> Forwarding:
    kind, value, destination = action
    if kind == "mode":
        return with_mode(current, value, destination)
    if kind == "destination":
        return with_destination(current, value, features)
    return replace(current, no_answer_delay=value)


def _kind_of(entry: dict[str, Any]) -> ForwardKind:
    return ForwardKind.NO_ANSWER if entry["timeout"] > 0 else ForwardKind.UNCONDITIONAL


def _stored(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What sipgate lists after a PUT: the entries with their alias."""
    return [{"alias": ALIASES.get(entry["destination"], ""), **entry} for entry in entries]


@SETTINGS
@given(sipgate_entries, sipgate_voicemail, actions)
def test_sipgate_a_change_touches_only_its_target(
    entries: list[dict[str, Any]],
    voicemail: dict[str, Any] | None,
    action: tuple[Any, Any, Any],
) -> None:
    original_entries, original_voicemail = deepcopy(entries), deepcopy(voicemail)
    current = read_forwarding(entries, voicemail, ENDPOINTS)
    target = _apply(action, current, _SIPGATE_FEATURES)
    try:
        plan = plan_forwarding(entries, voicemail, ENDPOINTS, target)
    except CentrexRequestError:
        assert (entries, voicemail) == (original_entries, original_voicemail)
        return
    assert (entries, voicemail) == (original_entries, original_voicemail)  # nothing mutated

    after = original_entries if plan.entries is None else _stored(plan.entries)
    after_voicemail = plan.voicemail if plan.voicemail is not None else original_voicemail
    if plan.entries is not None:
        schema = load("sipgate-v2.yaml").document["components"]["schemas"]
        body_schema = {
            **schema["SetForwardings"],
            "properties": {
                "forwardings": {
                    **schema["SetForwardings"]["properties"]["forwardings"],
                    "items": schema["Forwarding"],
                }
            },
        }
        assert not list(OAS30WriteValidator(body_schema).iter_errors({"forwardings": plan.entries}))

    result = read_forwarding(after, after_voicemail, ENDPOINTS)
    changed = _changed_kinds(current, target, result)
    _check_untouched(original_entries, after, changed)
    if original_voicemail is not None:
        assert after_voicemail is not None
        assert after_voicemail["transcription"] == original_voicemail["transcription"]
        if _kind_of(original_voicemail) not in changed and VOICEMAIL not in {
            target.rule(kind).destination for kind in changed
        }:
            assert after_voicemail == original_voicemail


def _changed_kinds(current: Forwarding, target: Forwarding, result: Forwarding) -> set[ForwardKind]:
    """Check the result is what was asked for; return the kinds the action targeted."""
    changed = set()
    for kind in FORWARD_KINDS:
        wanted, now, got = target.rule(kind), current.rule(kind), result.rule(kind)
        assert got.active == wanted.active, kind
        if wanted.active:
            assert got.destination == wanted.destination, kind
        if (now.active, now.destination if now.active else None) != (
            wanted.active,
            wanted.destination if wanted.active else None,
        ):
            changed.add(kind)
    if target.no_answer_delay not in {None, current.no_answer_delay}:
        changed.add(ForwardKind.NO_ANSWER)
        if result.rules.get(ForwardKind.NO_ANSWER):
            assert result.no_answer_delay == target.no_answer_delay
    return changed


def _check_untouched(
    original: list[dict[str, Any]], after: list[dict[str, Any]], changed: set[ForwardKind]
) -> None:
    """Nothing is removed or moved, and entries of untargeted kinds are as they were."""
    assert len(after) >= len(original)  # new entries only ever come after the others
    for before, now in zip(original, after, strict=False):
        if _kind_of(before) not in changed:
            assert now == before
        elif ENDPOINTS.to_model(before["destination"]).startswith("other:"):
            # A group (or another endpoint we cannot express) is never rewritten,
            # only switched off with its kind.
            assert now["destination"] == before["destination"]
            assert now["timeout"] == before["timeout"]
            assert now["active"] in {before["active"], False}


class _Features:
    """What `with_destination` reads of a sipgate line's features."""

    forward_kinds = frozenset(FORWARD_KINDS)


_SIPGATE_FEATURES = _Features()


# -- OVH -----------------------------------------------------------------------

LINE = "0033184801200"
COLLEAGUE = "0033184801210"
OVH_FIELDS = {
    ForwardKind.UNCONDITIONAL: "forwardUnconditional",
    ForwardKind.BUSY: "forwardBusy",
    ForwardKind.NO_ANSWER: "forwardNoReply",
    ForwardKind.UNREACHABLE: "forwardBackup",
}


@st.composite
def ovh_options(draw: st.DrawFn) -> dict[str, Any]:
    options = line_options(LINE)
    for field in OVH_FIELDS.values():
        options[field] = draw(st.booleans())
        options[f"{field}Nature"] = draw(st.sampled_from(["number", "voicemail", "fax"]))
        options[f"{field}Number"] = draw(
            st.sampled_from(["", "0033612345678", COLLEAGUE, "0033184801299", LINE])
        )
    # What OVH's manager allows, and older values set elsewhere.
    options["forwardNoReplyDelay"] = draw(st.integers(0, 120))
    options["callWaiting"] = draw(st.booleans())
    options["intercom"] = draw(st.sampled_from(["no", "prefixed", "yes"]))
    options["codecs"] = draw(st.sampled_from(["G711a+G722_a", "G729"]))
    return options


ovh_actions = st.one_of(
    st.tuples(
        st.just("mode"),
        st.sampled_from([mode for mode in ForwardingMode if mode is not ForwardingMode.OFF]),
        st.sampled_from(
            ["+33698765432", line_destination(f"{BILLING_ACCOUNT}_{COLLEAGUE}"), VOICEMAIL]
        ),
    ),
    st.tuples(st.just("mode"), st.just(ForwardingMode.OFF), st.none()),
    st.tuples(st.just("destination"), st.sampled_from(["+33698765432", VOICEMAIL]), st.none()),
    st.tuples(st.just("delay"), st.integers(5, 60), st.none()),
    st.tuples(st.just("unreachable"), st.booleans(), st.none()),
)


def _ovh_provider() -> OvhProvider:
    provider = OvhProvider(None, {})  # type: ignore[arg-type]  # no request is sent here
    for service in (LINE, COLLEAGUE):
        ref = _LineRef(BILLING_ACCOUNT, service, service)
        provider._refs[ref.id] = ref
        provider._lines_by_number[service] = ref.id  # as discovery records them
    return provider


@SETTINGS
@given(ovh_options(), ovh_actions)
def test_ovh_a_change_touches_only_its_target(
    options: dict[str, Any], action: tuple[Any, Any, Any]
) -> None:
    provider = _ovh_provider()
    current = provider._forwarding_from_options(options)
    if action[0] == "unreachable":
        rule = current.rule(ForwardKind.UNREACHABLE)
        target = current.with_rule(
            ForwardKind.UNREACHABLE,
            replace(rule, active=action[1], destination=rule.destination or "+33698765432"),
        )
    else:
        target = _apply(action, current, OVH_FEATURES)
    try:
        changes = provider.option_changes(options, target)
    except CentrexRequestError:
        return
    targeted = {"forwardNoReplyDelay"}
    for kind, field in OVH_FIELDS.items():
        wanted, now = target.rule(kind), current.rule(kind)
        if (wanted.active, wanted.destination) != (now.active, now.destination):
            targeted |= {field, f"{field}Nature", f"{field}Number"}
    assert set(changes) <= targeted
    schema = load("ovh-telephony.json").document["components"]["schemas"]
    assert set(changes) <= set(schema["telephony.LineOptions"]["properties"])

    result = provider._forwarding_from_options({**options, **changes})
    for kind in OVH_FIELDS:
        assert result.rule(kind).active == target.rule(kind).active
        if target.rule(kind).active:
            assert result.rule(kind).destination == target.rule(kind).destination
