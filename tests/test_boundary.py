"""The provider layer stands alone: importable and usable without Home Assistant.

A fresh interpreter loads `api/` as a top-level package (the integration's
own `__init__` is never run) with every `homeassistant` import refused, and
drives the demo driver through a forwarding change and its read-back.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

API = Path(__file__).parents[1] / "custom_components" / "centrex" / "api"

SCRIPT = textwrap.dedent(
    """
    import asyncio, importlib.abc, importlib.util, json, sys

    class RefuseHomeAssistant(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "homeassistant":
                raise ImportError(f"the provider layer imported {name}")
            return None

    sys.meta_path.insert(0, RefuseHomeAssistant())
    api_dir = sys.argv[1]
    spec = importlib.util.spec_from_file_location(
        "centrex_api", f"{api_dir}/__init__.py", submodule_search_locations=[api_dir]
    )
    api = importlib.util.module_from_spec(spec)
    sys.modules["centrex_api"] = api
    spec.loader.exec_module(api)

    async def main():
        import aiohttp

        async with aiohttp.ClientSession() as session:
            provider = api.create_provider("demo", session, {"seed": 7})
            account = await provider.async_get_account()
            line = (await provider.async_get_lines())[1]
            forwarding = api.with_mode(
                line.forwarding, api.ForwardingMode.ALWAYS, api.to_e164("06 12 34 56 78", "FR")
            )
            await provider.async_set_forwarding(line.id, forwarding)
            back = await provider.async_get_line(line.id)
            try:
                api.to_e164("not a number")
            except api.CentrexError as err:
                refused = type(err).__name__
        return {
            "account": account.id,
            "line": line.id,
            "mode": api.current_mode(back.forwarding).value,
            "destination": api.current_destination(back.forwarding),
            "refused": refused,
            "loaded": sorted(
                name for name in sys.modules
                if name.split(".")[0] in {"homeassistant", "custom_components"}
            ),
        }

    print(json.dumps(asyncio.run(main())))
    """
)


def test_provider_layer_runs_without_home_assistant() -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-I", "-c", SCRIPT, str(API)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report == {
        "account": "demo-atelier-durand",
        "line": "workshop",
        "mode": "always",
        "destination": "+33612345678",
        "refused": "InvalidPhoneNumberError",
        "loaded": [],
    }
