"""What the suite knows of Home Assistant's pages and API, in one place.

Expected names, icons and messages are read from the integration's own
translation and icon files, so the suite checks that the web interface shows
what we ship, in the user's language.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, Playwright, expect

INTEGRATION = Path(__file__).resolve().parent.parent / "custom_components" / "centrex"
USERNAME = "dev"
PASSWORD = "centrex-dev"  # noqa: S105 - the development instance's documented login


@cache
def translations(language: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (INTEGRATION / "translations" / f"{language}.json").read_text(encoding="utf-8")
    )
    return data


@cache
def icons() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    return data


def entity_name(language: str, platform: str, key: str) -> str:
    name: str = translations(language)["entity"][platform][key]["name"]
    return name


def state_name(language: str, platform: str, key: str, state: str) -> str:
    name: str = translations(language)["entity"][platform][key]["state"][state]
    return name


def error_message(language: str, key: str, **placeholders: str) -> str:
    message: str = translations(language)["exceptions"][key]["message"]
    return message.format(**placeholders)


def expected_icon(platform: str, key: str, state: str) -> str:
    entry = icons()["entity"][platform][key]
    icon: str = entry.get("state", {}).get(state, entry["default"])
    return icon


def log_in(page: Page, username: str) -> None:
    """Log in through Home Assistant's login page."""
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/home/**")


class HomeAssistantApi:
    """Home Assistant's REST API, called apart from the browser, with the developer's token."""

    def __init__(self, playwright: Playwright, base_url: str) -> None:
        client_id = f"{base_url}/"
        anonymous = playwright.request.new_context(base_url=base_url)
        try:
            flow = anonymous.post(
                "/auth/login_flow",
                data={
                    "client_id": client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": client_id,
                },
            ).json()
            code = anonymous.post(
                f"/auth/login_flow/{flow['flow_id']}",
                data={"client_id": client_id, "username": USERNAME, "password": PASSWORD},
            ).json()["result"]
            token = anonymous.post(
                "/auth/token",
                form={"grant_type": "authorization_code", "code": code, "client_id": client_id},
            ).json()["access_token"]
        finally:
            anonymous.dispose()
        self._http = playwright.request.new_context(
            base_url=base_url, extra_http_headers={"Authorization": f"Bearer {token}"}
        )

    def close(self) -> None:
        self._http.dispose()

    def _json(self, method: str, path: str, body: Any = None) -> Any:
        response = self._http.fetch(path, method=method, data=body)
        assert response.ok, f"{method} {path}: {response.status} {response.text()}"
        return response.json()

    def state(self, entity_id: str) -> str:
        state: str = self._json("GET", f"/api/states/{entity_id}")["state"]
        return state

    def wait_for(self, read: Callable[[], object], expected: object, timeout: float = 20) -> None:
        """Wait for what the page has asked for: its action may still be on its way."""
        deadline = time.monotonic() + timeout
        while (found := read()) != expected:
            assert time.monotonic() < deadline, f"found {found!r}, expected {expected!r}"
            time.sleep(0.2)

    def wait_for_state(self, entity_id: str, expected: str) -> None:
        self.wait_for(lambda: self.state(entity_id), expected)

    def entity_name(self, entity_id: str) -> str:
        name: str = self._json("GET", f"/api/states/{entity_id}")["attributes"]["friendly_name"]
        device = self.template(f"{{{{ device_attr('{entity_id}', 'name') }}}}")
        return name.removeprefix(device).strip()

    def core_config(self) -> dict[str, Any]:
        config: dict[str, Any] = self._json("GET", "/api/config")
        return config

    def template(self, template: str) -> str:
        response = self._http.post("/api/template", data={"template": template})
        assert response.ok, response.text()
        return response.text()

    def config_entries(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self._json(
            "GET", "/api/config/config_entries/entry?domain=centrex"
        )
        return entries

    def provider_view(self, entity_id: str) -> dict[str, Any]:
        """What the demo provider holds for a line: refresh from it, then ask the integration."""
        self._json("POST", "/api/services/homeassistant/update_entity", {"entity_id": entity_id})
        response = self._json(
            "POST",
            "/api/services/centrex/get_forwarding?return_response",
            {"entity_id": entity_id},
        )
        (line,) = response["service_response"]["lines"]
        return dict(line)


class LineDevicePage:
    """A line's device page (Settings > Devices & services > device)."""

    def __init__(self, page: Page, language: str) -> None:
        self.page = page
        self.language = language

    def name(self, platform: str, key: str) -> str:
        return entity_name(self.language, platform, key)

    def row(self, platform: str, key: str) -> Locator:
        """The entity row showing one of the line's entities, found by its translated name."""
        kind = {"switch": "toggle", "binary_sensor": "simple"}.get(platform, platform)
        return self.page.locator(f"hui-{kind}-entity-row", has_text=self.name(platform, key))

    def icon(self, platform: str, key: str) -> tuple[str, str]:
        """The entity id behind a row and the icon the page draws for it."""
        found = (
            self.row(platform, key)
            .locator("ha-state-icon")
            .evaluate(
                "badge => [badge.stateObj.entity_id,"
                " badge.shadowRoot.querySelector('ha-icon').icon]"
            )
        )
        return found[0], found[1]

    def wait_until_shown(self) -> None:
        expect(self.row("switch", "do_not_disturb")).to_be_visible()

    def do_not_disturb(self) -> Locator:
        return self.row("switch", "do_not_disturb").get_by_role("switch")

    def set_do_not_disturb(self, enabled: bool) -> None:
        switch = self.do_not_disturb()
        if switch.is_checked() != enabled:
            # The visible toggle, not the hidden input its thumb covers.
            self.row("switch", "do_not_disturb").locator("ha-switch").click()
        if enabled:
            expect(switch).to_be_checked()
        else:
            expect(switch).not_to_be_checked()

    def choose_mode(self, mode: str) -> None:
        self.row("select", "forwarding_mode").locator("ha-select").click()
        label = state_name(self.language, "select", "forwarding_mode", mode)
        self.page.get_by_role("menuitem", name=label, exact=True).click()
        expect(self.row("select", "forwarding_mode")).to_contain_text(label)

    def destination(self) -> Locator:
        return self.page.get_by_role(
            "textbox", name=self.name("text", "forwarding_destination"), exact=True
        )

    def type_destination(self, number: str) -> None:
        field = self.destination()
        field.fill(number)
        field.press("Enter")

    def notification(self) -> Locator:
        """What the toast Home Assistant shows after a failed action announces."""
        return self.page.locator("ha-toast").get_by_role("status")
