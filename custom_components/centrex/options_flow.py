"""Options: the account's saved destinations and each line holder's mobile number."""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
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

from .api import VOICEMAIL, InvalidPhoneNumberError, to_e164
from .const import CONF_DESTINATIONS, CONF_MOBILES
from .coordinator import CentrexConfigEntry
from .push import CONF_WEBHOOK_ID, webhook_url

_TEL = TextSelector(TextSelectorConfig(type=TextSelectorType.TEL))


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

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show both lists and check every number."""
        errors: dict[str, str] = {}
        placeholders = {"value": "", "webhook_url": self._webhook_url()}
        if user_input is not None:
            try:
                options = self._validated(user_input)
            except InvalidOptionError as err:
                errors["base"] = err.key
                placeholders["value"] = err.value[:60]
            else:
                return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                self._schema(), user_input or self._current()
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _webhook_url(self) -> str:
        """Return the address to register at providers that push by webhook ("-" otherwise)."""
        webhook_id = self.config_entry.data.get(CONF_WEBHOOK_ID)
        return webhook_url(self.hass, webhook_id) if webhook_id else "-"

    def _schema(self) -> vol.Schema:
        lines = self.config_entry.runtime_data.data.lines.values()
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
        return vol.Schema(
            {
                vol.Optional(CONF_DESTINATIONS): destinations,
                vol.Optional(CONF_MOBILES): mobiles,
            }
        )

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
        lines = self.config_entry.runtime_data.data.lines
        for item in user_input.get(CONF_MOBILES) or []:
            line_id = str(item["line"])  # the form only offers existing lines
            if line_id in mobiles:
                raise InvalidOptionError("duplicate_line", lines[line_id].name)
            mobiles[line_id] = self._number(item.get("mobile"), voicemail=False)
        return {CONF_DESTINATIONS: destinations, CONF_MOBILES: mobiles}
