"""Holds a fake to its provider's published schema (tests/schemas/).

Every request a fake receives and every response it sends is checked with
openapi-schema-validator (OpenAPI 3.0 semantics: `nullable`, `readOnly` in
requests, `writeOnly` in responses). A request outside the schema gets the
provider's own error from the fake; a response outside it is a bug of the
fake, recorded in `violations` so that the test fails.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

SCHEMAS = Path(__file__).parent.parent / "schemas"
#: The providers' published subsets, kept beside the project (not in it: the
#: sipgate copy states no license). Where present, the fakes are held to them too.
PUBLISHED = Path(__file__).resolve().parents[3] / "shared" / "reference" / "schemas"


def _inline(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """Replace every local `$ref` by what it points to (the subsets have no cycles)."""
    if depth > 40:
        raise ValueError("reference cycle")
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            # OpenAPI 3.0 ignores siblings of $ref (descriptions, mostly).
            return _inline(target, root, depth + 1)
        return {key: _inline(value, root, depth) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, root, depth) for item in node]
    return node


@cache
def _validator(kind: str, schema_json: str) -> Any:
    """Build a validator once per schema (they are reused for every request)."""
    validator = OAS30WriteValidator if kind == "write" else OAS30ReadValidator
    return validator(json.loads(schema_json))


def _errors(kind: str, schema: dict[str, Any], value: Any) -> list[Any]:
    # default=str: YAML reads dates in examples as datetimes; the validator needs JSON.
    return list(
        _validator(kind, json.dumps(schema, sort_keys=True, default=str)).iter_errors(value)
    )


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    spec: dict[str, Any]

    def request_schema(self) -> dict[str, Any] | None:
        content = (self.spec.get("requestBody") or {}).get("content") or {}
        for media in ("application/json", "*/*"):
            if media in content:
                return content[media].get("schema")
        return None

    def response_schema(self, status: int) -> dict[str, Any] | None:
        responses = self.spec.get("responses") or {}
        response = responses.get(str(status)) or responses.get("default") or {}
        content = response.get("content") or {}
        for media in ("application/json", "*/*"):
            if media in content:
                return content[media].get("schema")
        return None

    def declares(self, status: int) -> bool:
        responses = self.spec.get("responses") or {}
        return str(status) in responses or "default" in responses

    def query_parameters(self) -> dict[str, dict[str, Any]]:
        return {
            parameter["name"]: parameter.get("schema") or {}
            for parameter in self.spec.get("parameters") or []
            if parameter.get("in") == "query"
        }


@dataclass
class Schema:
    """One provider's published operations, ready to check requests and responses."""

    document: dict[str, Any]
    operations: list[tuple[re.Pattern[str], Operation]] = field(default_factory=list)

    def __post_init__(self) -> None:
        document = _inline(self.document, self.document)
        found = []
        for template, item in document["paths"].items():
            pattern = re.compile(
                "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            )
            literal = len(re.sub(r"\{[^/]+?\}", "", template))
            for method, spec in item.items():
                if method in {"get", "put", "post", "delete"}:
                    found.append((literal, pattern, Operation(method.upper(), template, spec)))
        # The most literal template first: /devices/{id} before /{userId}/devices.
        found.sort(key=lambda item: -item[0])
        self.operations = [(pattern, operation) for _, pattern, operation in found]

    def find(self, method: str, path: str) -> Operation | None:
        for pattern, operation in self.operations:
            if operation.method == method and pattern.match(path):
                return operation
        return None

    def path_exists(self, path: str) -> bool:
        return any(pattern.match(path) for pattern, _ in self.operations)

    @staticmethod
    def request_errors(operation: Operation, body: Any, query: dict[str, list[str]]) -> list[str]:
        errors = []
        schema = operation.request_schema()
        if schema is not None:
            required = (operation.spec.get("requestBody") or {}).get("required", False)
            if body is None and required:
                errors.append("a request body is required")
            elif body is not None:
                errors += [
                    f"{'/'.join(map(str, error.absolute_path)) or 'body'}: {error.message}"
                    for error in _errors("write", schema, body)
                ]
        parameters = operation.query_parameters()
        for name, values in query.items():
            schema = parameters.get(name.removesuffix("[]"))
            if schema is None:
                errors.append(f"unknown query parameter {name}")
                continue
            value: Any = values if schema.get("type") == "array" else values[-1]
            errors += [
                f"{name}: {error.message}"
                for error in _errors("write", schema, _typed(value, schema))
            ]
        return errors

    @staticmethod
    def response_errors(operation: Operation, status: int, body: bytes) -> list[str]:
        if status >= 300:
            return []
        if not operation.declares(status):
            return [f"{operation.method} {operation.template} does not answer {status}"]
        schema = operation.response_schema(status)
        if schema is None:
            return []
        try:
            decoded = json.loads(body) if body else None
        except ValueError:
            return ["the response is not JSON"]
        return [
            f"{'/'.join(map(str, error.absolute_path)) or 'body'}: {error.message}"
            for error in _errors("read", schema, decoded)
        ]


def _typed(value: Any, schema: dict[str, Any]) -> Any:
    """Read a query string value as the type its schema declares."""
    kind = schema.get("type")
    if kind == "array":
        return [_typed(item, schema.get("items") or {}) for item in value]
    if kind == "integer":
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


@cache
def load(name: str, folder: Path = SCHEMAS) -> Schema:
    """Load one of tests/schemas/ (cached: the documents are read once per run)."""
    text = (folder / name).read_text(encoding="utf-8")
    document = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    return Schema(document)


def load_published(name: str | None) -> Schema | None:
    """Load a provider's published subset, or None where it is not beside the project."""
    if name is None or not (PUBLISHED / name).exists():
        return None
    return load(name, PUBLISHED)
