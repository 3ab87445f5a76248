"""A user's first day with Centrex, in the web interface, scenario by scenario.

The scenarios build on one another in file order, as the user's day does: the
first adds the demo account through the UI, the others use its lines.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from .pages import (
    HomeAssistantApi,
    LineDevicePage,
    entity_name,
    error_message,
    expected_icon,
    translations,
)

# The README's picture of the integration, rewritten by every run.
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "images" / "line-device-page.png"
LINE = "Reception"
DND = "switch.reception_do_not_disturb"
MODE = "select.reception_call_forwarding_mode"
DESTINATION = "text.reception_forwarding_destination"
# The rows whose translated name and icon are checked on the device page.
ROWS = [
    ("switch", "call_forwarding"),
    ("switch", "do_not_disturb"),
    ("select", "forwarding_mode"),
    ("text", "forwarding_destination"),
    ("switch", "forward_when_unreachable"),
    ("number", "no_answer_delay"),
    ("binary_sensor", "registration"),
]


def open_line(page: Page, api: HomeAssistantApi, language: str) -> LineDevicePage:
    device_id = api.template(f"{{{{ device_id('{DND}') }}}}")
    page.goto(f"/config/devices/device/{device_id}")
    device_page = LineDevicePage(page, language)
    device_page.wait_until_shown()
    return device_page


def test_add_the_demo_account_through_the_ui(page: Page, api: HomeAssistantApi) -> None:
    assert api.config_entries() == []

    page.goto("/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    page.get_by_placeholder("Search for a brand name").fill("Centrex")
    page.get_by_text("Centrex", exact=True).click()
    ours = translations("en")
    expect(page.get_by_text(ours["config"]["step"]["user"]["title"])).to_be_visible()
    page.get_by_role("radio", name=ours["selector"]["provider"]["options"]["demo"]).check()
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="Submit").click()  # the demo needs no credentials
    # The "name and assign" step offers every line found on the account.
    expect(page.get_by_role("textbox", name="Device name")).to_have_count(7)
    page.get_by_role("button", name="Skip and finish").click()

    (entry,) = api.config_entries()
    assert entry["state"] == "loaded"
    assert entry["title"] == "Atelier Durand (demo)"
    devices = api.template(
        "{{ integration_entities('centrex') | map('device_attr', 'name') | unique | sort"
        " | join(',') }}"
    ).split(",")
    assert "Atelier Durand (demo)" in devices
    assert {"Reception", "Workshop", "Sales (Claire)"} <= set(devices)

    page.goto("/config/integrations/integration/centrex")
    for device in devices:
        expect(page.get_by_text(device, exact=True).first).to_be_visible()


def test_line_device_page_controls_the_line(page: Page, api: HomeAssistantApi) -> None:
    page.goto("/config/integrations/integration/centrex")
    page.get_by_text(LINE, exact=True).first.click()
    page.wait_for_url("**/config/devices/device/**")
    line = LineDevicePage(page, "en")
    line.wait_until_shown()
    expect(page.get_by_text(LINE, exact=True).first).to_be_visible()
    brand = page.locator("ha-device-info-card").get_by_role("img", name="Centrex")
    expect(brand).to_be_visible()
    assert brand.evaluate("img => img.complete && img.naturalWidth") > 0  # the icon was served

    for platform, key in ROWS:
        expect(line.row(platform, key)).to_be_visible()
        entity_id, icon = line.icon(platform, key)
        assert icon == expected_icon(platform, key, api.state(entity_id)), entity_id

    assert api.state(DND) == "off"
    line.set_do_not_disturb(True)
    api.wait_for_state(DND, "on")
    assert line.icon("switch", "do_not_disturb")[1] == expected_icon(
        "switch", "do_not_disturb", "on"
    )

    line.choose_mode("always")
    api.wait_for_state(MODE, "always")

    line.type_destination("06 12 34 56 78")  # national form, the home's country is France
    expect(line.destination()).to_have_value("+33612345678")
    api.wait_for_state(DESTINATION, "+33612345678")

    provider = api.provider_view(DND)
    assert provider["do_not_disturb"] is True
    assert provider["mode"] == "always"
    assert provider["destination"] == "+33612345678"

    # The device's activity lists the change, under our name for the entity.
    activity = page.locator("ha-logbook")
    expect(activity.get_by_text(line.name("switch", "do_not_disturb"))).to_be_visible(
        timeout=20_000
    )

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1500})  # the whole page, sidebar included
    page.screenshot(path=SCREENSHOT)


def test_invalid_destination_is_refused_with_a_translated_error(
    page: Page, api: HomeAssistantApi
) -> None:
    line = open_line(page, api, "en")
    before = api.provider_view(DND)

    line.type_destination("12ab")

    expect(line.notification()).to_have_text(
        error_message("en", "invalid_phone_number", number="12ab")
    )
    assert api.state(DESTINATION) == before["destination"]
    assert api.provider_view(DND) == before


def test_french_office_sees_french_names_and_errors(page: Page, api: HomeAssistantApi) -> None:
    # Home Assistant names entities in the home's language (Settings > System >
    # General) when an integration loads; the interface, states and errors
    # follow each user's own language (Profile > Localization). A French
    # office sets both.
    page.goto("/config/general")
    choose_language(page, page.locator("ha-config-section-general ha-language-picker"))
    page.get_by_role("button", name="Save").last.click()
    api.wait_for(lambda: api.core_config()["language"], "fr")
    page.goto("/config/integrations/integration/centrex")
    page.locator("ha-config-entry-row").get_by_role("button", name="Menu").first.click()
    page.get_by_role("menuitem", name="Reload").click()
    api.wait_for(
        lambda: api.state(DND) != "unavailable" and api.entity_name(DND),
        entity_name("fr", "switch", "do_not_disturb"),
    )
    assert api.state(DND) == "on"  # the demo account kept what the user changed

    page.goto("/profile/localization")
    choose_language(page, page.locator("ha-pick-language-row ha-language-picker"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    line = open_line(page, api, "fr")
    english = LineDevicePage(page, "en")
    for platform, key in ROWS:
        expect(line.row(platform, key)).to_be_visible()
        assert line.name(platform, key) != english.name(platform, key)

    line.choose_mode("busy")
    api.wait_for_state(MODE, "busy")
    assert api.provider_view(DND)["mode"] == "busy"

    before = api.provider_view(DND)
    line.type_destination("12ab")
    expect(line.notification()).to_have_text(
        error_message("fr", "invalid_phone_number", number="12ab")
    )
    assert api.provider_view(DND) == before


def choose_language(page: Page, picker: Locator) -> None:
    picker.click()
    page.get_by_placeholder("Search").fill("Français")
    page.get_by_text("Français", exact=True).click()
