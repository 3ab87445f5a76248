"""A development Home Assistant, its REST API and a headless Chromium, shared by the suite.

Home Assistant is started exactly as a developer starts it (`scripts/develop`),
on a free loopback port and in a fresh configuration directory, without the
demo account: the first scenario adds it through the web interface.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from .pages import USERNAME, HomeAssistantApi, log_in

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CENTREX_CHROMIUM", "/usr/bin/chromium")
# Chromium reaches for Google's services at start; this machine's closed
# network refuses them, so they are switched off rather than left to fail.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAILURES = ROOT / "e2e" / "failures"  # a screenshot per failed scenario (not committed)
START_TIMEOUT = 300  # seconds; a first start compiles translations and the frontend index
STOP_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class DevelopmentHomeAssistant:
    """`scripts/develop` in its own process group, so that stopping it stops everything."""

    def __init__(self, config_dir: Path) -> None:
        self.config_dir = config_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output: list[str] = []
        self._ready = threading.Event()
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = os.environ | {
            "CENTREX_PORT": str(self.port),
            "CENTREX_CONFIG": str(self.config_dir),
            "CENTREX_DEMO": "0",
        }
        self._process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [str(ROOT / "scripts" / "develop")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read_output, daemon=True).start()
        if not self._ready.wait(START_TIMEOUT) or self._process.poll() is not None:
            self.stop()
            raise RuntimeError(f"scripts/develop did not get ready:\n{self.describe()}")

    def _read_output(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self.output.append(line)
            if "Home Assistant is ready" in line:
                self._ready.set()
        self._ready.set()  # the process ended: let start() see it

    def describe(self) -> str:
        log = self.config_dir / "home-assistant.out"
        tail = log.read_text(errors="replace").splitlines()[-40:] if log.exists() else []
        return "".join(self.output) + "\n".join(tail)

    def stop(self) -> None:
        """Stop the whole process group, then check that nothing of it is left."""
        if self._process is None:
            return
        group = self._process.pid
        try:
            os.killpg(group, signal.SIGTERM)
            self._process.wait(STOP_TIMEOUT)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self._process.wait(STOP_TIMEOUT)
        self._process = None
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        os.killpg(group, signal.SIGKILL)
        raise RuntimeError("a process of the development Home Assistant outlived it")


@pytest.fixture(scope="session")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevelopmentHomeAssistant]:
    """The running development Home Assistant, stopped (entirely) at the end."""
    instance = DevelopmentHomeAssistant(tmp_path_factory.mktemp("config"))
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def api(
    playwright: Playwright, home_assistant: DevelopmentHomeAssistant
) -> Iterator[HomeAssistantApi]:
    """Home Assistant's REST API, with a token of the developer's account."""
    client = HomeAssistantApi(playwright, home_assistant.url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup --browser")
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, for the page fixture to see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(
    request: pytest.FixtureRequest, browser: Browser, home_assistant: DevelopmentHomeAssistant
) -> Iterator[Page]:
    """A fresh browser profile, logged in as the developer."""
    context = browser.new_context(
        base_url=home_assistant.url, viewport={"width": 1280, "height": 1000}, locale="en-US"
    )
    context.set_default_timeout(20_000)
    tab = context.new_page()
    log_in(tab, USERNAME)
    try:
        yield tab
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            # What the browser showed, and what Home Assistant said, when it went wrong.
            FAILURES.mkdir(exist_ok=True)
            tab.screenshot(path=FAILURES / f"{request.node.name}.png", full_page=True)
            request.node.add_report_section(
                "teardown", "Home Assistant's output", home_assistant.describe()
            )
        context.close()
