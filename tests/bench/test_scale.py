"""Benchmark (not part of the test run): refresh, write, setup and event-loop figures at scale.

Each provider fake answers every request after a fixed latency; figures are
given in round trips (wall time / latency). OVH's request budget runs on a
virtual clock here, so that its waits are counted rather than slept.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.centrex.api import budget as budget_module
from custom_components.centrex.api import ovh as ovh_module
from custom_components.centrex.const import DOMAIN
from tests.conftest import ovh_data, setup_entry, sipgate_data
from tests.fakes.ovh import FakeLine, FakeOvh, line_options
from tests.fakes.sipgate import FakeSipgate

pytestmark = pytest.mark.bench

LATENCY = 0.05
RESULTS = Path(__file__).parents[2] / "BENCHMARKS.md"
TARGETS = {"refresh": 4.0, "write": 2.5, "block_ms": 50.0}
ROWS: list[dict[str, Any]] = []


class VirtualBudget(budget_module.RequestBudget):
    """OVH's budget on a virtual clock: waiting advances the clock instead of sleeping."""

    waited = 0.0
    peak = 0

    def __init__(self, per_minute: int) -> None:
        self.now = 0.0

        async def sleep(seconds: float) -> None:
            self.now += seconds
            VirtualBudget.waited += seconds

        super().__init__(per_minute, clock=lambda: self.now, sleep=sleep)

    async def acquire(self) -> None:
        await super().acquire()
        VirtualBudget.peak = max(VirtualBudget.peak, self.used_last_minute())


class ThreadedFake:
    """Runs a fake server on its own event loop in a thread, as a remote server would be.

    Home Assistant's loop then only does the client's work, so the loop-block
    figure is the integration's, not the fake's.
    """

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Any:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(10)
        return self.fake

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class LoopMonitor:
    """Measures the longest time the event loop was blocked."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - start - 0.005)

    def __enter__(self) -> Self:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


def _ovh_fake(lines: int) -> FakeOvh:
    numbers = [f"00331848{index:05d}" for index in range(lines)]
    fake = FakeOvh(lines={n: FakeLine(f"Line {n[-5:]}", options=line_options(n)) for n in numbers})
    fake.latency = LATENCY
    return fake


def _sipgate_fake(lines: int) -> FakeSipgate:
    users = [{"id": f"w{i}", "firstname": "User", "lastname": str(i)} for i in range(lines)]
    fake = FakeSipgate(
        users=users,
        phonelines={f"w{i}": [{"id": f"p{i}", "alias": f"Line {i}"}] for i in range(lines)},
        numbers={f"p{i}": [f"49301234{i:05d}"] for i in range(lines)},
        devices={
            f"w{i}": [
                {
                    "id": f"e{i}",
                    "alias": f"Phone {i}",
                    "type": "REGISTER",
                    "online": True,
                    "dnd": False,
                    "activePhonelines": [{"id": f"p{i}"}],
                    "activeGroups": [],
                }
            ]
            for i in range(lines)
        },
        forwardings={f"p{i}": [] for i in range(lines)},
    )
    fake.latency = LATENCY
    return fake


async def _measure(
    hass: HomeAssistant,
    provider: str,
    lines: int,
    make: Callable[[int], Any],
    data: Callable[[Any], dict[str, str]],
) -> dict[str, Any]:
    with ThreadedFake(make(lines)) as fake:
        with LoopMonitor() as setup_monitor:
            start = time.perf_counter()
            entry = await setup_entry(
                hass, MockConfigEntry(domain=DOMAIN, unique_id=provider, data=data(fake))
            )
            setup = time.perf_counter() - start
        coordinator = entry.runtime_data
        with LoopMonitor() as monitor:
            before = len(fake.requests)
            start = time.perf_counter()
            await coordinator.async_refresh()
            refresh = time.perf_counter() - start
            refresh_requests = len(fake.requests) - before
            refreshed = sum(
                1 for r in fake.requests[before:] if r.path.endswith(("/options", "/forwardings"))
            )

            line_id = next(iter(coordinator.data.lines))
            device_id = coordinator.line_device_id(line_id)
            start = time.perf_counter()
            await hass.services.async_call(
                DOMAIN,
                "set_forwarding",
                {"device_id": device_id, "mode": "always", "destination": "+33612345678"},
                blocking=True,
            )
            write = time.perf_counter() - start
        await hass.config_entries.async_unload(entry.entry_id)
    return {
        "provider": provider,
        "lines": lines,
        "setup_s": setup,
        "refresh_rtt": refresh / LATENCY,
        "refreshed": refreshed or lines,
        "requests_per_line": refresh_requests / max(refreshed, 1),
        "write_rtt": write / LATENCY,
        "block_ms": monitor.worst * 1000,
        "setup_block_ms": setup_monitor.worst * 1000,
    }


@pytest.mark.parametrize("lines", [10, 100, 500])
async def test_ovh_at_scale(
    hass: HomeAssistant, socket_enabled: None, monkeypatch: pytest.MonkeyPatch, lines: int
) -> None:
    monkeypatch.setattr(ovh_module, "RequestBudget", VirtualBudget)
    VirtualBudget.waited, VirtualBudget.peak = 0.0, 0
    row = await _measure(hass, "ovh", lines, _ovh_fake, ovh_data)
    row["budget"] = (
        f"{VirtualBudget.peak}/60 per min, first load waited {VirtualBudget.waited:.0f} s"
    )
    ROWS.append(row)
    _write()


@pytest.mark.parametrize("lines", [10, 100, 500])
async def test_sipgate_at_scale(hass: HomeAssistant, socket_enabled: None, lines: int) -> None:
    row = await _measure(hass, "sipgate", lines, _sipgate_fake, sipgate_data)
    row["budget"] = "none published"
    ROWS.append(row)
    _write()


def _verdict(row: dict[str, Any]) -> str:
    ok = (row["provider"] != "ovh" or int(row["budget"].split("/")[0]) <= 60) and (
        row["refresh_rtt"] <= TARGETS["refresh"]
        and row["write_rtt"] <= TARGETS["write"]
        and row["block_ms"] <= TARGETS["block_ms"]
    )
    return "PASS" if ok else "FAIL"


def _write() -> None:
    header = (
        "## Scale (refresh, write, setup, event loop, budget)\n\n"
        f"Every request to the fakes takes {LATENCY * 1000:.0f} ms. Targets: a refresh within "
        f"{TARGETS['refresh']:.0f} round trips, a confirmed write within {TARGETS['write']} round trips, "
        f"no event-loop block over {TARGETS['block_ms']:.0f} ms while running (refresh and write), "
        "OVH's budget never exceeded. "
        "Setup includes discovery and the first full load; OVH's budget waits are counted on a "
        "virtual clock (the real wait, in the budget column, is about one second per two requests "
        "beyond the first minute's 60).\n\n"
        "| provider | lines | refresh (round trips) | lines refreshed | requests/line | confirmed write (round trips) | setup (s) | loop block running / at setup (ms) | budget | result |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = "".join(
        f"| {r['provider']} | {r['lines']} | {r['refresh_rtt']:.1f} | {r['refreshed']} | {r['requests_per_line']:.1f} "
        f"| {r['write_rtt']:.1f} | {r['setup_s']:.2f} | {r['block_ms']:.1f} / {r['setup_block_ms']:.0f} | {r['budget']} | {_verdict(r)} |\n"
        for r in ROWS
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\n"
    text = text.split("## Scale")[0].rstrip() + "\n\n" + header + rows
    RESULTS.write_text(text)
    print("\n" + header + rows)  # noqa: T201 - the benchmark reports on stdout
