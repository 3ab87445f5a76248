"""Options: saved destinations, holders' mobiles, and registering our webhook address.

The webhook address is offered to providers that push by webhook: it is set at
the provider for the user, and another address already there is replaced only
once the user confirms.
"""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    BooleanSelector,
    ObjectSelector,
    ObjectSelectorConfig,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api import (
    VOICEMAIL,
    CentrexError,
    CentrexPermissionError,
    InvalidPhoneNumberError,
    PushKind,
    to_e164,
)
from .const import CONF_DESTINATIONS, CONF_MOBILES
from .push import CONF_WEBHOOK_ID, webhook_url
from .runtime import CentrexConfigEntry

_TEL = TextSelector(TextSelectorConfig(type=TextSelectorType.TEL))
CONF_REGISTER_WEBHOOK = "register_webhook"
CONF_REPLACE = "replace"


class InvalidOptionError(ValueError):
    """An option the user typed is not acceptable; `key` names the error."""

    def __init__(self, key: str, value: str) -> None:
        """Keep the error key and the value at fault."""
        super().__init__(value)
        self.key = key
        self.value = value


class CentrexOptionsFlow(OptionsFlowWithReload):
    """Edit saved destinations and holders' mobiles; the account reloads on save."""

    config_entry: CentrexConfigEntry
    _options: dict[str, Any]
    _current_target: str

    @property
    def _by_webhook(self) -> bool:
        """Whether the provider pushes by webhook: then its address can be registered here."""
        runtime = self.config_entry.runtime_data
        return runtime.provider.push is PushKind.WEBHOOK and bool(
            self.config_entry.data.get(CONF_WEBHOOK_ID)
        )

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show both lists (and, for webhook providers, the webhook); check every number."""
        errors: dict[str, str] = {}
        placeholders = {"value": ""}
        if self._by_webhook:
            placeholders["webhook_url"] = self._webhook_url()
        if user_input is not None:
            try:
                self._options = self._validated(user_input)
            except InvalidOptionError as err:
                errors["base"] = err.key
                placeholders["value"] = err.value[:60]
            else:
                if not user_input.get(CONF_REGISTER_WEBHOOK):
                    return self.async_create_entry(data=self._options)
                if (error := await self._async_register(confirmed=False)) is None:
                    return self.async_create_entry(data=self._options)
                if error == "confirm":
                    return await self.async_step_replace_webhook()
                errors["base"] = error
        # Each provider's form says only what applies to it: the webhook step
        # is the same form with the webhook's address and switch.
        return self.async_show_form(
            step_id="init_webhook" if self._by_webhook else "init",
            data_schema=self.add_suggested_values_to_schema(
                self._schema(), user_input or self._current()
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async_step_init_webhook = async_step_init

    async def async_step_replace_webhook(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before replacing another address the user set at the provider."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if not user_input.get(CONF_REPLACE):
                return self.async_create_entry(data=self._options)
            if (error := await self._async_register(confirmed=True)) is None:
                return self.async_create_entry(data=self._options)
            errors["base"] = error
        return self.async_show_form(
            step_id="replace_webhook",
            data_schema=vol.Schema({vol.Required(CONF_REPLACE, default=False): BooleanSelector()}),
            errors=errors,
            description_placeholders={
                "current": self._current_target,
                "webhook_url": self._webhook_url(),
            },
        )

    async def _async_register(self, *, confirmed: bool) -> str | None:
        """Register our address at the provider; return an error key, or "confirm"."""
        url = self._webhook_url()
        if not url.startswith(("https://", "http://")):
            return "no_public_url"
        provider = self.config_entry.runtime_data.provider
        try:
            current = await provider.async_get_webhook_target()
            if current == url:
                return None
            if current and not confirmed:
                self._current_target = current
                return "confirm"
            await provider.async_set_webhook_target(url)
        except CentrexPermissionError:
            return "webhook_not_allowed"
        except CentrexError:
            return "cannot_reach_provider"
        return None

    def _webhook_url(self) -> str:
        """Return the address to register at providers that push by webhook ("-" otherwise)."""
        webhook_id = self.config_entry.data.get(CONF_WEBHOOK_ID)
        return webhook_url(self.hass, webhook_id) if webhook_id else "-"

    def _schema(self) -> vol.Schema:
        lines = self.config_entry.runtime_data.coordinator.data.lines.values()
        line_options = [SelectOptionDict(value=line.id, label=line.name) for line in lines]
        destinations = ObjectSelector(
            ObjectSelectorConfig(
                multiple=True,
                label_field="name",
                description_field="number",
                translation_key=CONF_DESTINATIONS,
                fields={
                    "name": {"selector": {"text": {}}, "required": True},
                    "number": {"selector": {"text": {"type": "tel"}}, "required": True},
                },
            )
        )
        mobiles = ObjectSelector(
            ObjectSelectorConfig(
                multiple=True,
                description_field="mobile",
                translation_key=CONF_MOBILES,
                fields={
                    "line": {
                        "selector": SelectSelector(
                            SelectSelectorConfig(
                                options=line_options, mode=SelectSelectorMode.DROPDOWN
                            )
                        ),
                        "required": True,
                    },
                    "mobile": {"selector": _TEL, "required": True},
                },
            )
        )
        fields: dict[Any, Any] = {
            vol.Optional(CONF_DESTINATIONS): destinations,
            vol.Optional(CONF_MOBILES): mobiles,
        }
        if self._by_webhook:
            fields[vol.Optional(CONF_REGISTER_WEBHOOK, default=False)] = BooleanSelector()
        return vol.Schema(fields)

    def _current(self) -> dict[str, Any]:
        options = self.config_entry.options
        return {
            CONF_DESTINATIONS: list(options.get(CONF_DESTINATIONS, [])),
            CONF_MOBILES: [
                {"line": line_id, "mobile": mobile}
                for line_id, mobile in options.get(CONF_MOBILES, {}).items()
            ],
        }

    def _number(self, text: Any, *, voicemail: bool) -> str:
        value = str(text or "").strip()
        if voicemail and value.casefold() == VOICEMAIL:
            return VOICEMAIL
        try:
            return to_e164(value, self.hass.config.country)
        except InvalidPhoneNumberError:
            raise InvalidOptionError("invalid_number", value) from None

    def _validated(self, user_input: dict[str, Any]) -> dict[str, Any]:
        destinations: list[dict[str, str]] = []
        names: set[str] = set()
        for item in user_input.get(CONF_DESTINATIONS) or []:
            name = str(item.get("name") or "").strip()
            if not name:
                raise InvalidOptionError("missing_name", "")
            if name.casefold() in names or name.casefold() == VOICEMAIL:
                raise InvalidOptionError("duplicate_name", name)
            names.add(name.casefold())
            destinations.append(
                {"name": name, "number": self._number(item.get("number"), voicemail=True)}
            )
        mobiles: dict[str, str] = {}
        lines = self.config_entry.runtime_data.coordinator.data.lines
        for item in user_input.get(CONF_MOBILES) or []:
            line_id = str(item["line"])  # the form only offers existing lines
            if line_id in mobiles:
                raise InvalidOptionError("duplicate_line", lines[line_id].name)
            mobiles[line_id] = self._number(item.get("mobile"), voicemail=False)
        return {CONF_DESTINATIONS: destinations, CONF_MOBILES: mobiles}
