"""Repair issues: only where the user can do something about it."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.centrex.const import DOMAIN

from .conftest import ovh_data, settle, setup_entry
from .fakes.base import Fault
from .fakes.ovh import FakeOvh


async def test_expiring_consumer_key_raises_an_issue(
    hass: HomeAssistant, ovh_fake: FakeOvh, issue_registry: ir.IssueRegistry
) -> None:
    ovh_fake.credential_expiration = (dt_util.utcnow() + timedelta(days=3)).isoformat()
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    issue = issue_registry.async_get_issue(DOMAIN, f"credentials_expiring_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "credentials_expiring"
    assert issue.severity is ir.IssueSeverity.WARNING


async def test_issue_goes_away_with_new_credentials(
    hass: HomeAssistant,
    ovh_fake: FakeOvh,
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    ovh_fake.credential_expiration = (dt_util.utcnow() + timedelta(days=3)).isoformat()
    entry = await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    ovh_fake.credential_expiration = None  # a key that never expires
    freezer.tick(timedelta(days=1, minutes=1))
    async_fire_time_changed(hass)
    await settle(hass)
    assert issue_registry.async_get_issue(DOMAIN, f"credentials_expiring_{entry.entry_id}") is None


async def test_restore_refused_by_the_provider_raises_an_issue(
    hass: HomeAssistant,
    ovh_fake: FakeOvh,
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(
        hass, MockConfigEntry(domain=DOMAIN, unique_id="ovh", data=ovh_data(ovh_fake))
    )
    await hass.services.async_call(
        DOMAIN,
        "set_do_not_disturb",
        {
            ATTR_ENTITY_ID: "switch.accueil_do_not_disturb",
            "enabled": True,
            "duration": {"minutes": 5},
        },
        blocking=True,
    )
    ovh_fake.inject(
        Fault(method="PUT", status=400, body={"class": "Client::BadRequest", "message": "no"})
    )
    freezer.tick(timedelta(minutes=6))
    async_fire_time_changed(hass)
    await settle(hass)
    issues = [i for (domain, _), i in issue_registry.issues.items() if domain == DOMAIN]
    assert [issue.translation_key for issue in issues] == ["restore_refused"]
    # It is not retried: the line keeps what the provider holds.
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await settle(hass)
    assert ovh_fake.lines["0033184801200"].options["doNotDisturb"] is True
