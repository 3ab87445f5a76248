"""Drive the development Home Assistant over its public HTTP API.

    devtools.py bootstrap URL [--without-demo]
                                finish onboarding, add the demo account through
                                the config flow API (unless told not to: the
                                end-to-end suite adds it through the UI), print
                                the login
    devtools.py smoke URL       check the centrex entities and that a service
                                call changes a forwarding mode

Both wait for Home Assistant to answer first.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import aiohttp

USERNAME = "dev"
PASSWORD = "centrex-dev"
START_TIMEOUT = 240  # seconds; the first start compiles translations and the frontend index


class DevError(Exception):
    """Something in the development instance is not as expected."""


class HomeAssistantClient:
    """The few REST calls the development tools need."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.client_id = f"{self.base_url}/"
        self.token = ""

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method, f"{self.base_url}{path}", headers=headers, **kwargs
        ) as response:
            if response.status >= 400:
                raise DevError(f"{method} {path}: {response.status} {await response.text()}")
            return await response.json()

    async def wait_until_up(self) -> None:
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while True:
            try:
                await self.request("GET", "/api/onboarding")
            except aiohttp.ClientError, DevError:
                if asyncio.get_running_loop().time() > deadline:
                    raise DevError(f"Home Assistant did not answer at {self.base_url}") from None
                await asyncio.sleep(1)
            else:
                return

    async def exchange_code(self, code: str) -> None:
        token = await self.request(
            "POST",
            "/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        )
        self.token = token["access_token"]

    async def log_in(self) -> None:
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={"client_id": self.client_id, "username": USERNAME, "password": PASSWORD},
        )
        if result.get("type") != "create_entry":
            raise DevError(f"login refused: {result.get('errors')}")
        await self.exchange_code(result["result"])

    async def onboard(self) -> None:
        steps = {
            step["step"]: step["done"] for step in await self.request("GET", "/api/onboarding")
        }
        if not steps.get("user", True):
            created = await self.request(
                "POST",
                "/api/onboarding/users",
                json={
                    "client_id": self.client_id,
                    "name": "Developer",
                    "username": USERNAME,
                    "password": PASSWORD,
                    "language": "en",
                },
            )
            await self.exchange_code(created["auth_code"])
        else:
            await self.log_in()
        bodies = {
            "core_config": {},
            "analytics": {},
            "integration": {"client_id": self.client_id, "redirect_uri": self.client_id},
        }
        for step, body in bodies.items():
            if steps.get(step) is False:
                await self.request("POST", f"/api/onboarding/{step}", json=body)

    async def add_demo_account(self) -> None:
        entries = await self.request("GET", "/api/config/config_entries/entry?domain=centrex")
        if entries:
            return
        flow = await self.request(
            "POST", "/api/config/config_entries/flow", json={"handler": "centrex"}
        )
        path = f"/api/config/config_entries/flow/{flow['flow_id']}"
        flow = await self.request("POST", path, json={"provider": "demo"})
        flow = await self.request("POST", path, json={"advanced": {}})
        if flow.get("type") != "create_entry":
            raise DevError(f"the config flow did not create the demo account: {flow}")

    async def state(self, entity_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("GET", f"/api/states/{entity_id}")
        return result


async def bootstrap(client: HomeAssistantClient, *, with_demo: bool = True) -> None:
    await client.wait_until_up()
    await client.onboard()
    if with_demo:
        await client.add_demo_account()
    print(f"Home Assistant is ready at {client.base_url}")
    print(f"Log in as '{USERNAME}' with password '{PASSWORD}'.")


async def centrex_entities(client: HomeAssistantClient) -> list[str]:
    async with client.session.post(
        f"{client.base_url}/api/template",
        headers={"Authorization": f"Bearer {client.token}"},
        json={"template": "{{ integration_entities('centrex') | sort | join(',') }}"},
    ) as response:
        return [entity for entity in (await response.text()).split(",") if entity]


async def wait_for_demo_account(client: HomeAssistantClient) -> list[str]:
    """Wait until scripts/develop has created the login and the demo account."""
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    while True:
        try:
            await client.log_in()
            if entities := await centrex_entities(client):
                return entities
        except aiohttp.ClientError, DevError:
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise DevError("the demo account did not appear")
        await asyncio.sleep(1)


async def smoke(client: HomeAssistantClient) -> None:
    await client.wait_until_up()
    ours = await wait_for_demo_account(client)
    print(f"{len(ours)} centrex entities, for example: {', '.join(ours[:5])}")
    expected = {
        "select.reception_call_forwarding_mode",
        "text.reception_forwarding_destination",
        "sensor.reception_call_state",
        "binary_sensor.reception_registration",
        "switch.reception_do_not_disturb",
    }
    if missing := expected - set(ours):
        raise DevError(f"missing entities: {sorted(missing)}")

    entity_id = "select.reception_call_forwarding_mode"
    before = (await client.state(entity_id))["state"]
    target = "always" if before != "always" else "busy_or_no_answer"
    await client.request(
        "POST",
        "/api/services/select/select_option",
        json={"entity_id": entity_id, "option": target},
    )
    after = (await client.state(entity_id))["state"]
    if after != target:
        raise DevError(f"{entity_id} is {after!r} after selecting {target!r}")
    print(f"{entity_id}: {before} -> {after} through select.select_option")
    await client.request(
        "POST",
        "/api/services/select/select_option",
        json={"entity_id": entity_id, "option": before},
    )


async def main(command: str, base_url: str, flags: list[str]) -> None:
    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(session, base_url)
        if command == "smoke":
            await smoke(client)
        else:
            await bootstrap(client, with_demo="--without-demo" not in flags)


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or [""]
    if command not in {"bootstrap", "smoke"} or not rest or set(rest[1:]) - {"--without-demo"}:
        sys.exit(__doc__)
    try:
        asyncio.run(main(command, rest[0], rest[1:]))
    except DevError as err:
        sys.exit(f"error: {err}")
