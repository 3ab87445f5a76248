"""Config flow: choose a provider, give its credentials, test them, add the account."""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api import (
    PROVIDERS,
    CentrexAuthenticationError,
    CentrexConnectionError,
    CentrexError,
    CredentialField,
    create_provider,
)
from .const import CONF_PROVIDER, DOMAIN

SECTION_ADVANCED = "advanced"


def _fields_schema(fields: list[CredentialField]) -> dict[vol.Marker, Any]:
    schema: dict[vol.Marker, Any] = {}
    for field in fields:
        marker = vol.Required if field.required else vol.Optional
        key = marker(field.key, default=field.default) if field.default else marker(field.key)
        text_type = TextSelectorType.PASSWORD if field.secret else TextSelectorType.TEXT
        schema[key] = TextSelector(TextSelectorConfig(type=text_type))
    return schema


def _credentials_schema(fields: tuple[CredentialField, ...]) -> vol.Schema:
    """Build the form: everyday fields first, the rest in a collapsed section."""
    schema = _fields_schema([field for field in fields if not field.advanced])
    advanced = [field for field in fields if field.advanced]
    if advanced:
        schema[vol.Required(SECTION_ADVANCED)] = section(
            vol.Schema(_fields_schema(advanced)), {"collapsed": True}
        )
    return vol.Schema(schema)


def _flatten(user_input: dict[str, Any]) -> dict[str, Any]:
    """Merge the advanced section's fields into the entry's data."""
    data = dict(user_input)
    data.update(data.pop(SECTION_ADVANCED, {}))
    return data


class CentrexConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Centrex account."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with no provider chosen."""
        self._provider = ""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick their provider."""
        if user_input is not None:
            self._provider = user_input[CONF_PROVIDER]
            return await self.async_step_credentials()
        schema = vol.Schema(
            {
                vol.Required(CONF_PROVIDER): SelectSelector(
                    SelectSelectorConfig(
                        options=list(PROVIDERS),
                        translation_key=CONF_PROVIDER,
                        mode=SelectSelectorMode.LIST,
                    )
                )
            }
        )
        return self.async_show_form(step_id="user", data_schema=schema)

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the provider's credentials and test them."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_PROVIDER: self._provider, **_flatten(user_input)}
            try:
                account = await create_provider(
                    self._provider, async_get_clientsession(self.hass), data
                ).async_get_account()
            except CentrexAuthenticationError:
                errors["base"] = "invalid_auth"
            except CentrexConnectionError:
                errors["base"] = "cannot_connect"
            except CentrexError:
                errors["base"] = "unknown"
            else:
                await self.async_set_unique_id(account.id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=account.name, data=data)
        return self.async_show_form(
            step_id="credentials",
            data_schema=self.add_suggested_values_to_schema(
                _credentials_schema(PROVIDERS[self._provider].credential_fields), user_input
            ),
            description_placeholders={CONF_PROVIDER: self._provider},
            errors=errors,
        )
