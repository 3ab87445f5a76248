"""Benchmark (not part of the test run): refresh, write, setup and event-loop figures at scale.

Each provider fake answers every request after a fixed latency; figures are
given in round trips (wall time / latency). OVH's request budget runs on a
virtual clock here, so that its waits are counted rather than slept.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import math
import multiprocessing
import os
import socket
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Self
from unittest.mock import NonCallableMock

import aiohttp
import pytest
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.api import AsteriskProvider, OvhProvider, SipgateProvider
from custom_components.centrex.api import budget as budget_module
from custom_components.centrex.api import ovh as ovh_module
from custom_components.centrex.api.ami import AmiClient
from custom_components.centrex.const import DOMAIN
from custom_components.centrex.devices import line_device_id
from tests.conftest import asterisk_data, ovh_data, setup_entry, sipgate_data
from tests.fakes.ami import SECRET, USERNAME, FakeAmi
from tests.fakes.ovh import FakeLine, FakeOvh, line_options
from tests.fakes.sipgate import FakeSipgate

pytestmark = pytest.mark.bench

LATENCY = 0.05
RESULTS = Path(__file__).parents[2] / "BENCHMARKS.md"
#: A confirmed write is a read-modify-write of the provider's own objects (read
#: just before, so nothing changed meanwhile is sent back stale), the write,
#: and the read-back that confirms it: three round trips.
TARGETS = {"refresh": 4.0, "write": 3.5, "block_ms": 50.0, "setup_block_ms": 100.0}
ROWS: list[dict[str, Any]] = []


class VirtualBudget(budget_module.RequestBudget):
    """OVH's budget on a virtual clock: waiting advances the clock instead of sleeping."""

    waited = 0.0
    peak = 0

    def __init__(self, per_minute: int) -> None:
        self.offset = 0.0  # real time plus every wait skipped

        async def sleep(seconds: float) -> None:
            self.offset += seconds
            VirtualBudget.waited += seconds

        super().__init__(per_minute, clock=lambda: time.monotonic() + self.offset, sleep=sleep)

    async def acquire(self) -> None:
        await super().acquire()
        VirtualBudget.peak = max(VirtualBudget.peak, self.used_last_minute())


def _serve(kind: str, lines: int, port: int, ready: Any) -> None:
    """Child process: serve one fake until terminated."""

    async def main() -> None:
        fake = {"ovh": _ovh_fake, "sipgate": _sipgate_fake, "asterisk": _asterisk_fake}[kind](lines)
        await fake.start(port)
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


class ProcessFake:
    """Runs a fake server in its own process, as a remote server would be.

    Home Assistant's loop (and the interpreter) then only do the client's
    work, so the figures are the integration's, not the fake's.
    """

    def __init__(self, kind: str, lines: int) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        context = multiprocessing.get_context("spawn")
        self.ready = context.Event()
        self.process = context.Process(
            target=_serve, args=(kind, lines, self.port, self.ready), daemon=True
        )
        self.kind = kind

    def __enter__(self) -> Any:
        self.process.start()
        assert self.ready.wait(60), "the fake did not start"
        # Only what the entry data needs from the fake: its address.
        return SimpleNamespace(server=SimpleNamespace(make_url=self._url), port=self.port)

    def _url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.join(10)


class LoopMonitor:
    """Measures the longest time the event loop was blocked (and that without collections)."""

    def __init__(self, collections: GcPauses | None = None) -> None:
        self.worst = 0.0
        #: The longest block once the garbage collections inside it are taken out.
        self.worst_outside_gc = 0.0
        self._collections = collections
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            collected = self._collections.total if self._collections else 0.0
            await asyncio.sleep(0.005)
            block = time.perf_counter() - start - 0.005
            self.worst = max(self.worst, block)
            in_gc = (self._collections.total if self._collections else 0.0) - collected
            self.worst_outside_gc = max(self.worst_outside_gc, block - in_gc)

    def __enter__(self) -> Self:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


def _forget_earlier_instances(hass: HomeAssistant) -> None:
    """Free the Home Assistant instances of earlier cases now, not during this one.

    A running Home Assistant has one instance. This process has run earlier
    cases, and two things keep their torn-down instances (thousands of
    entities each) alive, so that the garbage collector would walk them during
    this case: Home Assistant's per-instance singletons (`helpers.singleton`)
    cache the last instance they were called with (`functools.lru_cache(maxsize=1)`),
    and the test plugin's session-wide mocks (the DNS resolver, translations)
    record every call, with its instance. Checked: no other instance is left.
    """
    for name, module in list(sys.modules.items()):
        if name.startswith("homeassistant."):
            for candidate in list(vars(module).values()):
                if isinstance(candidate, NonCallableMock):
                    candidate.reset_mock()
                elif (
                    isinstance(candidate, functools._lru_cache_wrapper)
                    and candidate.cache_parameters()["maxsize"] == 1
                ):
                    candidate.cache_clear()
    gc.collect()
    others = [o for o in gc.get_objects() if isinstance(o, HomeAssistant) and o is not hass]
    assert not others, f"an earlier Home Assistant is still alive: {others}"


class GcPauses:
    """Records the longest garbage collection: a loop block that is the interpreter's, not ours."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.total = 0.0
        self._start = 0.0

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            pause = time.perf_counter() - self._start
            self.worst = max(self.worst, pause)
            self.total += pause

    def __enter__(self) -> Self:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)


class RequestCounter:
    """Counts the requests sent: HTTP through the client session, and manager actions.

    The fake is in another process; the lines whose settings a refresh read are
    counted too (every extension for the PBX, which is read whole).
    """

    def __init__(self, session: Any) -> None:
        self.session = session
        self.count = 0
        self.lines = 0

    async def _on_start(self, _session: Any, _context: Any, params: Any) -> None:
        self.count += 1
        self.lines += str(params.url).endswith(("/options", "/forwardings"))

    def __enter__(self) -> Self:
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._on_start)
        self.config.freeze()
        self.session._trace_configs.append(self.config)
        self._action = send = AmiClient.async_action

        async def counted(client: AmiClient, *args: Any) -> Any:
            self.count += 1
            return await send(client, *args)

        AmiClient.async_action = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        self.session._trace_configs.remove(self.config)
        AmiClient.async_action = self._action  # type: ignore[method-assign]


def _ovh_fake(lines: int) -> FakeOvh:
    numbers = [f"00331848{index:05d}" for index in range(lines)]
    fake = FakeOvh(lines={n: FakeLine(f"Line {n[-5:]}", options=line_options(n)) for n in numbers})
    fake.latency = LATENCY
    fake.schema_file = None  # the suite checks the schemas; here only the integration is timed
    return fake


def _asterisk_fake(lines: int) -> FakeAmi:
    fake = FakeAmi.freepbx(lines)
    fake.delay = LATENCY  # a PBX across a WAN; on the office's network it answers in a millisecond
    return fake


def _asterisk_data(fake: Any) -> dict[str, str]:
    return asterisk_data(fake.port, USERNAME, SECRET, flavour="freepbx")


def _sipgate_fake(lines: int) -> FakeSipgate:
    fake = FakeSipgate.with_lines(lines)
    fake.latency = LATENCY
    fake.schema_file = None  # the suite checks the schemas; here only the integration is timed
    return fake


class StateWrites:
    """Records the state writes of our entities (changed or only reported)."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.written: list[str] = []

        @callback
        def ours(data: Mapping[str, Any]) -> bool:
            return data["entity_id"] in self.entities

        @callback
        def record(event: Event) -> None:
            self.written.append(event.data["entity_id"])

        # Every entity of ours, the account's included.
        self.entities = {
            entry.entity_id
            for entry in er.async_get(hass).entities.values()
            if entry.platform == DOMAIN
        }
        self._stop = [
            hass.bus.async_listen(kind, record, event_filter=ours)
            for kind in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
        ]

    def take(self) -> list[str]:
        """Return the entities written since the last call, once per write."""
        written, self.written = self.written, []
        return written

    def stop(self) -> None:
        for stop in self._stop:
            stop()


async def _measure(
    hass: HomeAssistant,
    provider: str,
    lines: int,
    make: Callable[[int], Any],
    data: Callable[[Any], dict[str, str]],
) -> dict[str, Any]:
    # Home Assistant's test harness runs the loop in debug mode, which records a
    # traceback for every future; a real installation does not.
    loop = asyncio.get_running_loop()
    # CENTREX_BENCH_DEBUG=1: asyncio names every callback that blocks over 40 ms.
    loop.set_debug(bool(os.environ.get("CENTREX_BENCH_DEBUG")))
    loop.slow_callback_duration = 0.04
    with ProcessFake(provider, lines) as fake:
        # What earlier cases left behind (a torn-down Home Assistant with its
        # thousands of entities) is not this case's to collect.
        _forget_earlier_instances(hass)
        with GcPauses() as setup_gc, LoopMonitor(setup_gc) as setup_monitor:
            start = time.perf_counter()
            entry = await setup_entry(
                hass, MockConfigEntry(domain=DOMAIN, unique_id=provider, data=data(fake))
            )
            setup = time.perf_counter() - start
        runtime = entry.runtime_data
        coordinator = runtime.coordinator
        writes = StateWrites(hass)
        with GcPauses() as running_gc, LoopMonitor(running_gc) as monitor:
            counter = RequestCounter(runtime.provider.session)
            start = time.perf_counter()
            with counter:
                await coordinator.async_refresh()
            refresh = time.perf_counter() - start
            await hass.async_block_till_done()
            poll_writes = len(writes.take())
            refresh_requests = counter.count
            refreshed = counter.lines or lines

            line_id = next(iter(coordinator.data.lines))
            device_id = line_device_id(hass, runtime, line_id)
            start = time.perf_counter()
            await hass.services.async_call(
                DOMAIN,
                "set_forwarding",
                {"device_id": device_id, "mode": "always", "destination": "+33612345678"},
                blocking=True,
            )
            write = time.perf_counter() - start
            await hass.async_block_till_done()
            changed = writes.take()
        writes.stop()
        line_entities = {
            e.entity_id for e in er.async_get(hass).entities.values() if e.device_id == device_id
        }
        assert coordinator.update_interval is not None
        interval = coordinator.update_interval.total_seconds()
        # What one full collection costs with the account loaded: the
        # interpreter runs one whenever its long-lived objects have grown by a
        # quarter, whatever the event loop is doing.
        with GcPauses() as full_gc:
            gc.collect()
        objects = len(gc.get_objects())
        await hass.config_entries.async_unload(entry.entry_id)
    return {
        "provider": provider,
        "lines": lines,
        "setup_s": setup,
        "refresh_rtt": refresh / LATENCY,
        "refreshed": refreshed,
        "requests_per_line": refresh_requests / max(refreshed, 1),
        # Lines are re-read oldest first: each within this many polls.
        "unread_s": math.ceil(lines / refreshed) * interval,
        "poll_writes": poll_writes,
        "change_writes": len(changed),
        "written_entities": len(set(changed)),
        "entities_per_line": len(line_entities),
        # Another line's entity written for a change of this one is a defect.
        "others_written": len(set(changed) - line_entities),
        "write_rtt": write / LATENCY,
        "block_ms": monitor.worst * 1000,
        "block_outside_gc_ms": monitor.worst_outside_gc * 1000,
        "running_gc_ms": running_gc.worst * 1000,
        "full_gc_ms": full_gc.worst * 1000,
        "objects": objects,
        "setup_block_ms": setup_monitor.worst * 1000,
        "setup_gc_ms": setup_gc.worst * 1000,
        "setup_block_outside_gc_ms": setup_monitor.worst_outside_gc * 1000,
    }


@pytest.fixture(autouse=True)
def polling_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Measure polling and writes alone: push has its own benchmark.

    A push connection that drops or comes back rightly rewrites every line's
    call state; here it would only blur what one change costs.
    """
    for provider in (OvhProvider, SipgateProvider, AsteriskProvider):
        monkeypatch.setattr(provider, "push", None)


@pytest.mark.parametrize("lines", [10, 100, 500])
async def test_ovh_at_scale(
    hass: HomeAssistant, socket_enabled: None, monkeypatch: pytest.MonkeyPatch, lines: int
) -> None:
    monkeypatch.setattr(ovh_module, "RequestBudget", VirtualBudget)
    VirtualBudget.waited, VirtualBudget.peak = 0.0, 0
    row = await _measure(hass, "ovh", lines, _ovh_fake, ovh_data)
    row["budget"] = f"{VirtualBudget.peak}/60 per min, waited {VirtualBudget.waited:.0f} s in all"
    ROWS.append(row)
    _write()


@pytest.mark.parametrize("lines", [10, 100, 500])
async def test_sipgate_at_scale(hass: HomeAssistant, socket_enabled: None, lines: int) -> None:
    row = await _measure(hass, "sipgate", lines, _sipgate_fake, sipgate_data)
    row["budget"] = "none published"
    ROWS.append(row)
    _write()


@pytest.mark.parametrize("lines", [10, 100, 500])
async def test_asterisk_at_scale(hass: HomeAssistant, socket_enabled: None, lines: int) -> None:
    row = await _measure(hass, "asterisk", lines, _asterisk_fake, _asterisk_data)
    row["budget"] = "none (the office's own)"
    ROWS.append(row)
    _write()


def _verdict(row: dict[str, Any]) -> str:
    ok = (row["provider"] != "ovh" or int(row["budget"].split("/")[0]) <= 60) and (
        row["refresh_rtt"] <= TARGETS["refresh"]
        and row["write_rtt"] <= TARGETS["write"]
        and row["block_ms"] <= TARGETS["block_ms"]
        and row["setup_block_ms"] <= TARGETS["setup_block_ms"]
        and row["poll_writes"] == 0
        and row["others_written"] == 0
    )
    return "PASS" if ok else "FAIL"


def _write() -> None:
    header = (
        "## Scale (refresh, write, setup, event loop, budget)\n\n"
        f"Every request to the fakes takes {LATENCY * 1000:.0f} ms. Targets: a refresh within "
        f"{TARGETS['refresh']:.0f} round trips, a confirmed write within {TARGETS['write']} round trips, "
        f"no event-loop block over {TARGETS['block_ms']:.0f} ms while running (refresh and write) "
        f"nor over {TARGETS['setup_block_ms']:.0f} ms at setup, "
        "no state written by a poll that changes nothing, and a write to one line writes only "
        "that line's entities (one of them may write twice: Home Assistant rewrites an entity whose "
        "choices changed); OVH's budget never exceeded. Push is off here (its latency has "
        "its own table above). "
        "Large accounts are re-read a slice at a time, the longest unread first: the "
        "'longest unread' column is the most time any line goes without being re-read. "
        "Setup includes discovery and the first full load; OVH's budget waits are counted on a "
        "virtual clock (the real wait, in the budget column, is about one second per two requests "
        "beyond the first minute's 60). "
        "The PBX (a FreePBX of as many extensions) answers each manager action after the same "
        "50 ms, as across a WAN (on the office's network it answers within a millisecond); its "
        "requests are manager actions, sent together on one connection. "
        "Beyond 100 lines, a line's secondary entities are created disabled (see the README): "
        "the state-writes column counts enabled ones.\n\n"
        "The event loop is watched every 5 ms; its longest block is shown whole (the targets "
        "apply to it), then without the interpreter's garbage collections inside it (the "
        "integration's work, and Home Assistant's on its behalf), then the longest collection. "
        "CPython runs a full collection whenever its long-lived objects have grown by a quarter, "
        "whatever the loop is doing, and it walks every object of the process, so no yield splits "
        "it: the last columns give what one costs with the account loaded, and the objects it "
        "walks (each enabled entity brings some 50 of Home Assistant's own: its state, registry "
        "entry, listeners). Before each case, earlier cases' instances are freed and checked gone "
        "(Home Assistant's singleton caches and the test plugin's mocks kept them), and pytest's "
        "log capture is off, as in a running Home Assistant. The test plugin freezes the objects "
        "that exist before the module; a running Home Assistant does not, and there the same "
        "collection walks more.\n\n"
        "| provider | lines | refresh (round trips) | lines refreshed | longest unread (s) | requests/line | confirmed write (round trips) | state writes: unchanged poll / one line changed (by entities of that line / of others) | setup (s) | loop block: running / at setup (ms) | without collections: running / at setup (ms) | longest collection: running / at setup (ms) | one full collection, account loaded (ms / objects) | budget | result |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = "".join(
        f"| {r['provider']} | {r['lines']} | {r['refresh_rtt']:.1f} | {r['refreshed']} | {r['unread_s']:.0f} | {r['requests_per_line']:.1f} "
        f"| {r['write_rtt']:.1f} | {r['poll_writes']} / {r['change_writes']} ({r['written_entities']} of its {r['entities_per_line']} / {r['others_written']}) | {r['setup_s']:.2f} "
        f"| {r['block_ms']:.1f} / {r['setup_block_ms']:.0f} | {r['block_outside_gc_ms']:.1f} / {r['setup_block_outside_gc_ms']:.0f} | {r['running_gc_ms']:.0f} / {r['setup_gc_ms']:.0f} | {r['full_gc_ms']:.0f} / {r['objects'] // 1000}k "
        f"| {r['budget']} | {_verdict(r)} |\n"
        for r in ROWS
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\n"
    text = text.split("## Scale")[0].rstrip() + "\n\n" + header + rows
    RESULTS.write_text(text)
    print("\n" + header + rows)  # noqa: T201 - the benchmark reports on stdout
