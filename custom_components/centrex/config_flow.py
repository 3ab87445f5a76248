"""Config flow: choose a provider, give its credentials, test them, add the account.

The same credential form serves adding, reauthenticating and reconfiguring an
account; which fields it shows comes from the provider driver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import probatio as vol
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback
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
    Account,
    CentrexAuthenticationError,
    CentrexConnectionError,
    CentrexError,
    CentrexPermissionError,
    CredentialField,
    create_provider,
)
from .const import CONF_PROVIDER, DOMAIN
from .options_flow import CentrexOptionsFlow
from .runtime import CentrexConfigEntry

SECTION_ADVANCED = "advanced"


def _fields_schema(fields: list[CredentialField]) -> dict[vol.Marker, Any]:
    schema: dict[vol.Marker, Any] = {}
    for field in fields:
        marker = vol.Required if field.required else vol.Optional
        key = marker(field.key, default=field.default) if field.default else marker(field.key)
        if field.choices:
            schema[key] = SelectSelector(
                SelectSelectorConfig(
                    options=list(field.choices),
                    translation_key=field.key,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
            continue
        text_type = TextSelectorType.PASSWORD if field.secret else TextSelectorType.TEXT
        schema[key] = TextSelector(TextSelectorConfig(type=text_type))
    return schema


def _credentials_schema(fields: tuple[CredentialField, ...], *, advanced: bool) -> vol.Schema:
    """Build the form: everyday fields first, the rest in a collapsed section."""
    schema = _fields_schema([field for field in fields if not field.advanced])
    advanced_fields = [field for field in fields if field.advanced]
    if advanced and advanced_fields:
        schema[vol.Required(SECTION_ADVANCED)] = section(
            vol.Schema(_fields_schema(advanced_fields)), {"collapsed": True}
        )
    return vol.Schema(schema)


def _flatten(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Merge the advanced section's fields into the entry's data."""
    data = dict(user_input)
    data.update(data.pop(SECTION_ADVANCED, {}))
    return data


def _suggested(data: Mapping[str, Any], fields: tuple[CredentialField, ...]) -> dict[str, Any]:
    """Suggest the entry's current values, secrets excepted."""
    everyday = {
        f.key: data[f.key] for f in fields if not f.advanced and not f.secret and f.key in data
    }
    advanced = {f.key: data[f.key] for f in fields if f.advanced and f.key in data}
    return {**everyday, SECTION_ADVANCED: advanced}


class CentrexConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add, reauthenticate or reconfigure a Centrex account."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with no provider chosen."""
        self._provider = ""
        self._data: dict[str, Any] = {}
        self._authorization_url = ""
        #: The manager class a PBX user lacks, for the error shown.
        self._missing_permission = ""

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: CentrexConfigEntry) -> OptionsFlow:
        """Return the flow that edits saved destinations and holders' mobiles."""
        return CentrexOptionsFlow()

    @property
    def _fields(self) -> tuple[CredentialField, ...]:
        return PROVIDERS[self._provider].credential_fields

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
        return await self._async_credentials_step("credentials", user_input, advanced=True)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start reauthentication when the provider refuses the credentials."""
        self._provider = entry_data[CONF_PROVIDER]
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials for the same account."""
        return await self._async_credentials_step("reauth_confirm", user_input, advanced=False)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the credentials or the API address of an account."""
        self._provider = self._get_reconfigure_entry().data[CONF_PROVIDER]
        return await self._async_credentials_step("reconfigure", user_input, advanced=True)

    async def async_step_authorize(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Wait for the user to approve the new credentials on the provider's site."""
        errors: dict[str, str] = {}
        if user_input is not None:
            account, errors = await self._async_test(self._data)
            if account is not None:
                return await self._async_finish(account, self._data)
            if errors == {"base": "invalid_auth"}:
                errors = {"base": "not_authorized"}
        return self.async_show_form(
            step_id="authorize",
            description_placeholders={"url": self._authorization_url},
            errors=errors,
        )

    async def _async_credentials_step(
        self, step_id: str, user_input: dict[str, Any] | None, *, advanced: bool
    ) -> ConfigFlowResult:
        current: Mapping[str, Any] = {}
        if self.source in {SOURCE_REAUTH, SOURCE_RECONFIGURE}:
            current = self._get_entry().data
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**current, CONF_PROVIDER: self._provider, **_flatten(user_input)}
            provider = create_provider(self._provider, async_get_clientsession(self.hass), data)
            try:
                pending = await provider.async_prepare_credentials()
            except CentrexError as err:
                errors = {"base": _error_key(err)}
            else:
                if pending is not None:
                    self._data, self._authorization_url = pending.config, pending.url
                    return await self.async_step_authorize()
                account, errors = await self._async_test(data)
                if account is not None:
                    return await self._async_finish(account, data)
        suggested = user_input if user_input is not None else _suggested(current, self._fields)
        if user_input is None and not current and self.hass.config.country:
            # A PBX's numbers are read in the home's country unless told otherwise.
            suggested = {"country": self.hass.config.country, **suggested}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                _credentials_schema(self._fields, advanced=advanced), suggested
            ),
            description_placeholders={
                CONF_PROVIDER: PROVIDERS[self._provider].display_name,
                "permission": self._missing_permission,
            },
            errors=errors,
        )

    def _get_entry(self) -> Any:
        if self.source == SOURCE_REAUTH:
            return self._get_reauth_entry()
        return self._get_reconfigure_entry()

    async def _async_test(self, data: dict[str, Any]) -> tuple[Account | None, dict[str, str]]:
        provider = create_provider(self._provider, async_get_clientsession(self.hass), data)
        try:
            return await provider.async_get_account(), {}
        except CentrexPermissionError as err:
            self._missing_permission = err.missing or "?"
            return None, {"base": "missing_permission" if err.missing else "insufficient_rights"}
        except CentrexError as err:
            return None, {"base": _error_key(err)}
        finally:
            await provider.async_close()

    async def _async_finish(self, account: Account, data: dict[str, Any]) -> ConfigFlowResult:
        await self.async_set_unique_id(account.id)
        if self.source in {SOURCE_REAUTH, SOURCE_RECONFIGURE}:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            return self.async_update_reload_and_abort(self._get_entry(), data=data)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=account.name, data=data)


def _error_key(err: CentrexError) -> str:
    if isinstance(err, CentrexAuthenticationError):
        return "invalid_auth"
    if isinstance(err, CentrexPermissionError):
        return "insufficient_rights"
    if isinstance(err, CentrexConnectionError):
        return "cannot_connect"
    return "unknown"
