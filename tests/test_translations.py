"""Translations: English, French and German say the same things, and every key used exists."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

PACKAGE = Path(__file__).parent.parent / "custom_components" / "centrex"
LANGUAGES = ("en", "fr", "de")


def _flatten(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        flat: dict[str, str] = {}
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else key))
        return flat
    return {prefix: data}


def _load(language: str) -> dict[str, str]:
    return _flatten(json.loads((PACKAGE / "translations" / f"{language}.json").read_text()))


@pytest.mark.parametrize("language", ["fr", "de"])
def test_same_keys_and_placeholders_as_english(language: str) -> None:
    english, other = _load("en"), _load(language)
    assert set(other) == set(english)
    for key, text in english.items():
        assert set(re.findall(r"{\w+}", other[key])) == set(re.findall(r"{\w+}", text)), key


def test_every_translation_key_in_the_code_exists() -> None:
    english = _load("en")
    code = "\n".join(path.read_text() for path in PACKAGE.rglob("*.py"))
    used = set(re.findall(r'translation_key="(\w+)"', code))
    used |= set(re.findall(r'_invalid\(\s*"(\w+)"', code))
    assert used
    missing = {
        key
        for key in used
        if f"exceptions.{key}.message" not in english and f"issues.{key}.title" not in english
    }
    # Entity translation keys live under entity.<platform>.<key>.name instead.
    missing = {key for key in missing if not any(k.endswith(f".{key}.name") for k in english)}
    assert not missing
