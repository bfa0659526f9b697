"""The OpenAPI document made readable: operations by section, each with its parameters, body and answers."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str = ""


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    needs_token: bool
    token_optional: bool
    parameters: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    responses: list[tuple[str, str, str]] = field(default_factory=list)  # status, description, schema name

    @property
    def anchor(self) -> str:
        return f"{self.method}-{self.path}".replace("/", "-").replace("{", "").replace("}", "").strip("-")


@dataclass
class Section:
    name: str
    description: str
    operations: list[Operation]


def _schema_name(schema: dict | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    return schema.get("format") or schema.get("type", "")


def _type_of(schema: dict, components: dict) -> str:
    if "$ref" in schema:
        return _schema_name(schema)
    if schema.get("allOf"):
        return " ".join(_type_of(s, components) for s in schema["allOf"])
    if schema.get("enum"):
        return " | ".join(str(v) for v in schema["enum"] if v is not None)
    kind = schema.get("type", "object")
    if kind == "array":
        return f"list of {_type_of(schema.get('items', {}), components)}"
    return schema.get("format") and f"{kind} ({schema['format']})" or kind


def _fields_of(schema: dict, components: dict) -> list[Field]:
    if "$ref" in schema:
        schema = components.get(_schema_name(schema), {})
    required = set(schema.get("required", ()))
    return [Field(name, _type_of(prop, components), name in required, prop.get("description", ""))
            for name, prop in schema.get("properties", {}).items()]


def reference_sections(spec: dict) -> list[Section]:
    components = spec.get("components", {}).get("schemas", {})
    sections = {tag["name"]: Section(tag["name"], tag.get("description", ""), []) for tag in spec.get("tags", [])}
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            if method == "parameters":
                continue
            security = op.get("security", spec.get("security", []))
            operation = Operation(
                method=method.upper(), path=path, summary=op.get("summary", ""), description=op.get("description", ""),
                needs_token=bool(security) and {} not in security, token_optional={} in security,
            )
            for parameter in [*methods.get("parameters", []), *op.get("parameters", [])]:
                if "$ref" in parameter:
                    continue
                operation.parameters.append(Field(f"{parameter['name']} ({parameter['in']})", _type_of(parameter.get("schema", {}), components),
                                                  parameter.get("required", False), parameter.get("description", "")))
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                operation.body = _fields_of(body, components)
            for status, response in op.get("responses", {}).items():
                if "$ref" in response:
                    continue
                content = next(iter(response.get("content", {}).values()), {})
                operation.responses.append((status, response.get("description", ""), _schema_name(content.get("schema"))))
            for tag in op.get("tags", ["other"]):
                sections.setdefault(tag, Section(tag, "", [])).operations.append(operation)
    return [s for s in sections.values() if s.operations]
