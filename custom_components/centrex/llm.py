"""Offer the integration's intents as tools to conversation agents (LLMs)."""

from __future__ import annotations

from homeassistant.components.homeassistant.exposed_entities import async_should_expose
from homeassistant.components.llm import LLMTools
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import intent
from homeassistant.helpers.llm import LLM_API_ASSIST, IntentTool, LLMContext, Tool, ToolAnnotations

from .const import DOMAIN
from .intent import (
    INTENT_DO_NOT_DISTURB,
    INTENT_GET_FORWARDING,
    INTENT_GET_MISSED_CALLS,
    INTENT_SET_FORWARDING,
    INTENT_STOP_FORWARDING,
)

#: The tools, and whether calling one again with the same arguments changes nothing more.
LLM_INTENTS = {
    INTENT_SET_FORWARDING: ("Forward a phone line", True, False),
    INTENT_STOP_FORWARDING: ("Stop forwarding a phone line", True, False),
    INTENT_DO_NOT_DISTURB: ("Do not disturb on a phone line", True, False),
    INTENT_GET_FORWARDING: ("Where a phone line is forwarded", True, True),
    INTENT_GET_MISSED_CALLS: ("Missed calls", True, True),
}


@callback
def async_get_tools(hass: HomeAssistant, llm_context: LLMContext, api_id: str) -> LLMTools | None:
    """Return the tools when the assistant may see at least one Centrex entity."""
    if api_id != LLM_API_ASSIST or not llm_context.assistant:
        return None
    registry = er.async_get(hass)
    if not any(
        async_should_expose(hass, llm_context.assistant, entry.entity_id)
        for entry in registry.entities.values()
        if entry.platform == DOMAIN
    ):
        return None
    tools: list[Tool] = [
        IntentTool(
            f"{DOMAIN}__{handler.intent_type}",
            handler,
            title=LLM_INTENTS[handler.intent_type][0],
            integration=DOMAIN,
            annotations=ToolAnnotations(
                idempotent=LLM_INTENTS[handler.intent_type][1],
                read_only=LLM_INTENTS[handler.intent_type][2],
                destructive=False,
                open_world=False,
            ),
        )
        for handler in intent.async_get(hass)
        if handler.intent_type in LLM_INTENTS
    ]
    return LLMTools(tools=tools)
