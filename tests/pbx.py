"""A real Asterisk for the tests, in its own folder on free loopback ports, and SIPp phones.

The server gets `asterisk/extensions_centrex.conf` (the dialplan we ship for
plain Asterisk), three phones (201 Reception, 202 Workshop, 203 Warehouse),
outside callers as SIP guests, and a manager user with the least privilege
the README documents. It runs in the foreground as a child process, so that
stopping it (or a failed test) leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = Path(__file__).resolve().parent / "sipp"
MANAGER_USER = "centrex"
MANAGER_SECRET = "centrex-test-secret"
#: A manager user whose write classes lack "call" (it cannot set the phones' lamps).
LIMITED_USER = "nolamps"
PHONES = {"201": "Reception", "202": "Workshop", "203": "Warehouse"}
MODULES = (
    "res_rtp_asterisk",
    "res_manager_devicestate",
    "chan_sip",
    "pbx_config",
    "app_dial",
    "app_stack",
    "app_userevent",
    "app_db",
    "app_exec",
    "func_db",
    "func_devstate",
    "func_logic",
    "func_channel",
    "func_callerid",
    "func_strings",
    "bridge_simple",
    "bridge_native_rtp",
)


def find_asterisk() -> str | None:
    """Return the Asterisk binary the tests use: CENTREX_ASTERISK, else one on PATH."""
    found = os.environ.get("CENTREX_ASTERISK") or shutil.which("asterisk")
    return found if found and os.access(found, os.X_OK) else None


def module_dir(binary: str) -> Path | None:
    """Return the folder of the binary's modules (it must have chan_sip)."""
    prefix = Path(binary).resolve().parent.parent
    candidates = [
        prefix / "lib" / "asterisk" / "modules",
        prefix / "lib64" / "asterisk" / "modules",
        *Path("/usr/lib").glob("*/asterisk/modules"),
    ]
    return next((path for path in candidates if (path / "chan_sip.so").exists()), None)


def data_dir(binary: str) -> Path:
    """Return the binary's data folder (its XML documentation, which the core needs)."""
    prefix = Path(binary).resolve().parent.parent
    candidates = [prefix / "var" / "lib" / "asterisk", Path("/usr/share/asterisk")]
    found = (path for path in candidates if (path / "documentation").is_dir())
    return next(found, Path("/var/lib/asterisk"))


def skip_reason() -> str | None:
    """Say why the real-Asterisk tests cannot run here, or None when they can."""
    binary = find_asterisk()
    if binary is None:
        return "no Asterisk (set CENTREX_ASTERISK or put asterisk on PATH)"
    if module_dir(binary) is None:
        return f"{binary} has no chan_sip module"
    if shutil.which("sipp") is None:
        return "no SIPp (Debian package sip-tester)"
    return None


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """Return a loopback port free at the moment (TCP or UDP)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RealAsterisk:
    """One Asterisk server and its configuration folder."""

    binary: str
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="centrex-pbx-")))
    ami_port: int = field(default_factory=free_port)
    sip_port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))
    process: asyncio.subprocess.Process | None = None
    sipps: list[asyncio.subprocess.Process] = field(default_factory=list)

    def write_config(self) -> None:
        """Write the server's configuration (AstDB and logs stay in the folder too)."""
        etc = self.folder / "etc"
        for sub in ("etc", "var", "spool", "run", "log"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        modules = module_dir(self.binary)
        rtp = free_port(socket.SOCK_DGRAM) // 2 * 2
        files = {
            "asterisk.conf": f"""[directories]
astetcdir => {etc}
astmoddir => {modules}
astvarlibdir => {self.folder}/var
astdbdir => {self.folder}/var
astkeydir => {self.folder}/var
astdatadir => {data_dir(self.binary)}
astagidir => {self.folder}/var
astspooldir => {self.folder}/spool
astrundir => {self.folder}/run
astlogdir => {self.folder}/log
astsbindir => {Path(self.binary).parent}
[options]
documentation_language = en_US
""",
            "modules.conf": "[modules]\nautoload = no\n"
            + "".join(f"load => {name}.so\n" for name in MODULES),
            "logger.conf": "[general]\n[logfiles]\nmessages => notice,warning,error\n",
            "rtp.conf": f"[general]\nrtpstart={rtp}\nrtpend={rtp + 100}\n",
            "manager.conf": f"""[general]
enabled = yes
port = {self.ami_port}
bindaddr = 127.0.0.1

[{MANAGER_USER}]
secret = {MANAGER_SECRET}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = system,call,user
write = system,call

[{LIMITED_USER}]
secret = {MANAGER_SECRET}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = system
write = system
""",
            "sip.conf": f"""[general]
udpbindaddr = 127.0.0.1:{self.sip_port}
context = phones
allowguest = yes
disallow = all
allow = ulaw
qualify = no
rtptimeout = 0
directmedia = no
"""
            + "".join(
                f"""
[{ext}]
type = friend
host = dynamic
secret = pw{ext}
context = phones
description = {name}
"""
                for ext, name in PHONES.items()
            ),
            "extensions.conf": f"""[general]
static = yes
writeprotect = yes

[globals]
CENTREX_CONTEXT = phones

#include {ROOT}/asterisk/extensions_centrex.conf

[phones]
exten => _2XX,1,Gosub(centrex-dial,s,1(${{EXTEN}}))
 same => n,Hangup()
""",
        }
        for name, text in files.items():
            (etc / name).write_text(text)

    async def start(self) -> None:
        """Start the server and wait until its manager interface answers."""
        self.write_config()
        self.process = await asyncio.create_subprocess_exec(
            self.binary,
            "-f",
            "-n",
            "-C",
            str(self.folder / "etc" / "asterisk.conf"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=(self.folder / "log" / "console").open("ab"),
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(300):
            if self.process.returncode is not None:
                raise RuntimeError(f"Asterisk exited: {self.console()[-2000:]}")
            with contextlib.suppress(OSError):
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.ami_port)
                writer.close()
                # The manager answers before chan_sip and the dialplan are loaded.
                await asyncio.sleep(0.5)
                return
            await asyncio.sleep(0.1)
        raise RuntimeError("Asterisk's manager interface never answered")

    async def stop(self) -> None:
        """Stop the server (and every phone still running)."""
        for sipp in self.sipps:
            await _terminate(sipp)
        self.sipps.clear()
        if self.process is not None:
            await _terminate(self.process)
            self.process = None

    async def cli(self, command: str) -> str:
        """Run a command on the server's own console (independent of the code under test)."""
        process = await asyncio.create_subprocess_exec(
            self.binary,
            "-C",
            str(self.folder / "etc" / "asterisk.conf"),
            "-rx",
            command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        return output.decode(errors="replace")

    async def astdb(self, family: str, key: str) -> str | None:
        """Return an AstDB value as the server's console shows it (None when absent)."""
        output = await self.cli(f"database get {family} {key}")
        if not output.startswith("Value: "):
            return None
        return output.removeprefix("Value: ").strip()

    def console(self) -> str:
        """Return what the server printed (for a failing test's message)."""
        path = self.folder / "log" / "console"
        return path.read_text(errors="replace") if path.exists() else ""

    def cleanup(self) -> None:
        """Delete the configuration folder."""
        shutil.rmtree(self.folder, ignore_errors=True)

    async def sipp(
        self,
        scenario: str,
        *,
        ext: str = "",
        port: int | None = None,
        call: str = "",
        pause_ms: int = 1000,
    ) -> asyncio.subprocess.Process:
        """Start one SIPp scenario: as the phone of `ext` on `port`, or a caller of `call`."""
        run = len(self.sipps)
        inf = self.folder / f"sipp-{run}.csv"
        inf.write_text(f"SEQUENTIAL\n{ext or 'caller'};pw{ext}\n")
        args = [
            f"127.0.0.1:{self.sip_port}",
            "-sf",
            str(SCENARIOS / f"{scenario}.xml"),
            "-inf",
            str(inf),
            "-i",
            "127.0.0.1",
            "-p",
            str(port or free_port(socket.SOCK_DGRAM)),
            "-mp",
            str(free_port(socket.SOCK_DGRAM)),
            "-m",
            "1",
            "-d",
            str(pause_ms),
            "-timeout",
            "90",
            "-timeout_error",
            "-nostdin",
            "-trace_err",
            "-error_file",
            str(self.folder / f"sipp-{run}-{scenario}.log"),
        ]
        if ext:
            args += ["-au", ext, "-ap", f"pw{ext}"]
        if call:
            args += ["-s", call]
        process = await asyncio.create_subprocess_exec(
            "sipp",
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            cwd=self.folder,
            start_new_session=True,
        )
        self.sipps.append(process)
        return process

    async def register(self, ext: str) -> Phone:
        """Register a phone for `ext`; it then answers on its port as scenarios tell it."""
        phone = Phone(self, ext, free_port(socket.SOCK_DGRAM))
        await phone.run("register")
        return phone

    async def call(
        self, ext: str, scenario: str = "call", pause_ms: int = 1000
    ) -> asyncio.subprocess.Process:
        """Start an outside caller calling `ext` (`call`: answered, `call_cancel`: gives up)."""
        return await self.sipp(scenario, call=ext, pause_ms=pause_ms)

    async def call_through(
        self, ext: str, phones: dict[Phone, str], scenario: str = "call", pause_ms: int = 1000
    ) -> None:
        """Call `ext` while each phone runs its scenario; fail unless every one went as written."""
        running = [await phone.start(phone_scenario) for phone, phone_scenario in phones.items()]
        caller = await self.call(ext, scenario, pause_ms)
        for process in (caller, *running):
            assert await finished(process) == 0, self.sipp_errors()

    def sipp_errors(self) -> str:
        """Return what SIPp found unexpected (for a failing test's message)."""
        return "\n".join(
            path.read_text(errors="replace")[-1500:] for path in self.folder.glob("sipp-*.log")
        )


@dataclass(eq=False)
class Phone:
    """A SIP phone of one extension: SIPp scenarios run one after the other on its port."""

    pbx: RealAsterisk
    ext: str
    port: int

    async def start(self, scenario: str) -> asyncio.subprocess.Process:
        """Start a scenario on the phone's port (answer, busy, no_answer) and return at once."""
        return await self.pbx.sipp(scenario, ext=self.ext, port=self.port)

    async def run(self, scenario: str) -> None:
        """Run a scenario to its end; fail when it did not go as written."""
        process = await self.start(scenario)
        code = await finished(process)
        assert code == 0, (
            f"SIPp {scenario} for {self.ext} failed ({code}): {self.pbx.sipp_errors()}"
        )

    async def unregister(self) -> None:
        """Take the phone off the PBX."""
        await self.run("unregister")


async def finished(process: asyncio.subprocess.Process) -> int:
    """Wait (a minute at most) for a SIPp to end its scenario; return its exit code (0: as written)."""
    async with asyncio.timeout(60):
        return await process.wait()


async def _terminate(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        async with asyncio.timeout(10):
            await process.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
