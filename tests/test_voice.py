"""Voice: the custom sentences in English and French through Assist, and the LLM tools."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from homeassistant.components import conversation
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import setup_entry

SENTENCES = Path(__file__).parent.parent / "custom_sentences"


@pytest.fixture
async def assist(
    hass: HomeAssistant, demo_entry: MockConfigEntry, tmp_path: Path
) -> MockConfigEntry:
    """Home Assistant with Assist, the shipped sentences installed, and the demo account."""
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(SENTENCES, tmp_path / "custom_sentences")
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})
    entry = await setup_entry(hass, demo_entry)
    await hass.async_block_till_done()
    return entry


async def _say(hass: HomeAssistant, text: str, language: str) -> str:
    result = await conversation.async_converse(hass, text, None, Context(), language=language)
    speech: str = result.response.speech["plain"]["speech"]
    return speech


def _state(hass: HomeAssistant, entity_id: str) -> str:
    return hass.states.get(entity_id).state


@pytest.mark.parametrize(
    ("language", "sentence", "answer"),
    [
        (
            "en",
            "forward the workshop line to Claire's mobile",
            "Workshop now forwards to Claire's mobile.",
        ),
        (
            "en",
            "send the calls of the workshop to voicemail",
            "Workshop now forwards to Voicemail.",
        ),
        (
            "fr",
            "renvoie la ligne workshop vers claire's mobile",
            "La ligne Workshop est renvoyée vers Claire's mobile.",
        ),
        (
            "fr",
            "transfère les appels de workshop sur voicemail",
            "La ligne Workshop est renvoyée vers Voicemail.",
        ),
    ],
)
async def test_forward_a_line_by_voice(
    hass: HomeAssistant, assist: MockConfigEntry, language: str, sentence: str, answer: str
) -> None:
    assert await _say(hass, sentence, language) == answer
    assert _state(hass, "select.workshop_call_forwarding_mode") == "always"
    assert _state(hass, "select.workshop_forward_to") == answer.rsplit(" vers ", maxsplit=1)[
        -1
    ].rsplit(" to ", maxsplit=1)[-1].rstrip(".")


@pytest.mark.parametrize(
    ("language", "sentence", "answer"),
    [
        ("en", "stop forwarding the reception line", "Reception no longer forwards calls."),
        ("fr", "arrête le renvoi de la ligne reception", "La ligne Reception n'est plus renvoyée."),
    ],
)
async def test_stop_forwarding_by_voice(
    hass: HomeAssistant, assist: MockConfigEntry, language: str, sentence: str, answer: str
) -> None:
    assert _state(hass, "switch.reception_call_forwarding") == STATE_ON
    assert await _say(hass, sentence, language) == answer
    assert _state(hass, "switch.reception_call_forwarding") == STATE_OFF


@pytest.mark.parametrize(
    ("language", "on", "on_answer", "off", "off_answer"),
    [
        (
            "en",
            "turn on do not disturb for the warehouse for 30 minutes",
            "Warehouse is silenced for 30 minutes.",
            "turn off do not disturb on the warehouse",
            "Warehouse rings again.",
        ),
        (
            "fr",
            "active ne pas déranger sur warehouse pendant 30 minutes",
            "La ligne Warehouse est en ne pas déranger pendant 30 minutes.",
            "désactive ne pas déranger sur warehouse",
            "La ligne Warehouse sonne de nouveau.",
        ),
    ],
)
async def test_do_not_disturb_by_voice(
    hass: HomeAssistant,
    assist: MockConfigEntry,
    language: str,
    on: str,
    on_answer: str,
    off: str,
    off_answer: str,
) -> None:
    assert await _say(hass, on, language) == on_answer
    assert _state(hass, "switch.warehouse_do_not_disturb") == STATE_ON
    assert assist.runtime_data.memory.restores["warehouse/do_not_disturb"]
    assert await _say(hass, off, language) == off_answer
    assert _state(hass, "switch.warehouse_do_not_disturb") == STATE_OFF


@pytest.mark.parametrize(
    ("language", "question", "answer"),
    [
        (
            "en",
            "where is the reception line forwarded",
            "Reception forwards when not answered to Sales (Claire).",
        ),
        ("en", "is the workshop forwarded", "Workshop is not forwarded."),
        (
            "fr",
            "où est renvoyée la ligne reception",
            "La ligne Reception renvoie sans réponse vers Sales (Claire).",
        ),
        ("en", "how many missed calls", "No missed calls."),
        ("en", "how many missed calls on the reception", "No missed calls on Reception."),
        (
            "fr",
            "combien d'appels manqués sur la ligne reception",
            "Aucun appel manqué sur la ligne Reception.",
        ),
    ],
)
async def test_questions(
    hass: HomeAssistant, assist: MockConfigEntry, language: str, question: str, answer: str
) -> None:
    assert await _say(hass, question, language) == answer


async def test_holders_are_lines_too(hass: HomeAssistant, assist: MockConfigEntry) -> None:
    assert await _say(hass, "forward julien to voicemail", "en") == (
        "Sales (Julien) now forwards to Voicemail."
    )
    assert _state(hass, "select.sales_julien_call_forwarding_mode") == "always"


async def test_mistakes_are_answered_not_applied(
    hass: HomeAssistant, assist: MockConfigEntry
) -> None:
    answer = await _say(hass, "forward the workshop to nobody in particular", "en")
    assert "nobody in particular" in answer
    assert _state(hass, "select.workshop_call_forwarding_mode") == "off"
    unknown = await _say(hass, "stop forwarding the canteen", "en")
    assert unknown  # Assist says it found no such line
    assert _state(hass, "switch.reception_call_forwarding") == STATE_ON


async def test_switches_answer_built_in_sentences(
    hass: HomeAssistant, assist: MockConfigEntry
) -> None:
    await _say(hass, "turn off reception call forwarding", "en")
    assert _state(hass, "switch.reception_call_forwarding") == STATE_OFF
    await _say(hass, "turn on warehouse do not disturb", "en")
    assert _state(hass, "switch.warehouse_do_not_disturb") == STATE_ON


async def test_llm_tools(hass: HomeAssistant, assist: MockConfigEntry) -> None:
    context = llm.LLMContext(
        platform="test", context=Context(), language="en", assistant="conversation", device_id=None
    )
    api = await llm.async_get_api(hass, llm.LLM_API_ASSIST, context)
    names = {tool.name for tool in api.tools}
    assert {
        "centrex__CentrexSetForwarding",
        "centrex__CentrexStopForwarding",
        "centrex__CentrexDoNotDisturb",
        "centrex__CentrexGetForwarding",
        "centrex__CentrexGetMissedCalls",
    } <= names
    result = await api.async_call_tool(
        llm.ToolInput(
            tool_name="centrex__CentrexSetForwarding",
            tool_args={"line": "Workshop", "destination": "Reception"},
        )
    )
    assert not result.error
    assert result.data["speech_slots"] == {"line": "Workshop", "destination": "Reception"}
    assert _state(hass, "select.workshop_forward_to") == "Reception"


@pytest.mark.parametrize(
    ("language", "sentence", "answer"),
    [
        ("en", "silence the warehouse line", "Warehouse is silenced."),
        ("en", "let the warehouse ring again", "Warehouse rings again."),
        (
            "en",
            "cancel the call forwarding on the reception line",
            "Reception no longer forwards calls.",
        ),
        ("en", "did I miss any calls", "No missed calls."),
        (
            "en",
            "where are the calls of the reception forwarded",
            "Reception forwards when not answered to Sales (Claire).",
        ),
        (
            "fr",
            "fais taire la ligne warehouse pendant 10 minutes",
            "La ligne Warehouse est en ne pas déranger pendant 10 minutes.",
        ),
        ("fr", "ne renvoie plus la ligne reception", "La ligne Reception n'est plus renvoyée."),
        ("fr", "ai-je manqué des appels", "Aucun appel manqué."),
        (
            "fr",
            "est-ce que la ligne workshop est renvoyée",
            "La ligne Workshop n'est pas renvoyée.",
        ),
        (
            "fr",
            "mets ne pas déranger pour julien",
            "La ligne Sales (Julien) est en ne pas déranger.",
        ),
    ],
)
async def test_other_sentences(
    hass: HomeAssistant, assist: MockConfigEntry, language: str, sentence: str, answer: str
) -> None:
    assert await _say(hass, sentence, language) == answer
