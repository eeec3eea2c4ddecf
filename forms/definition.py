"""Loading form definitions (YAML, one file per form key) and checking their structure, so a
typo in a definition fails at start-up with the file and field named, not at the first submit."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from forms import indicators  # noqa: F401  (the indicator-grid rules register on import)
from forms.computed import COMPUTED
from forms.rules import RULES, WARNINGS

DEFAULT_DIR = Path(__file__).parent / "definitions"

SCALAR_TYPES = {"string", "text", "int", "decimal", "money", "percent", "bool", "enum", "date", "user"}
LIST_TYPES = {"multi_enum", "files", "users", "list"}
TYPES = SCALAR_TYPES | LIST_TYPES | {"object"}
NUMERIC_TYPES = {"int", "decimal", "money", "percent"}
TEXT_TYPES = {"string", "text", "user"}

FORM_KEYS = {"key", "title", "title_en", "description", "modes", "readonly_modes", "fields", "rules", "warnings"}
FIELD_KEYS = {
    "name", "label", "label_en", "help", "type", "required", "required_when", "min", "max", "gt", "lt",
    "min_length", "max_length", "min_items", "max_items", "choices", "step", "places", "default",
    "computed", "modes", "readonly", "readonly_modes", "context_choices", "max_context", "widget", "fields",
    "prefill", "fixed_rows",
}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class FormDefinitionError(ValueError):
    """A form definition is malformed, or forms combined into one task clash."""


def load_definitions(directory: str | Path | None = None) -> dict[str, dict]:
    """Parse every `*.yaml` in `directory` (default: forms/definitions) keyed by form key."""
    base = Path(directory) if directory else DEFAULT_DIR
    out: dict[str, dict] = {}
    for path in sorted(base.glob("*.yaml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise FormDefinitionError(f"{path.name}: invalid YAML: {exc}") from exc
        check_definition(doc, path.name, set(COMPUTED), set(RULES), set(WARNINGS))
        if doc["key"] != path.stem:
            raise FormDefinitionError(f"{path.name}: key {doc['key']!r} must match the file name")
        out[doc["key"]] = doc
    return out


def check_definition(doc: Any, where: str, computed: set[str], rules: set[str], warnings: set[str]) -> None:
    def fail(msg: str) -> None:
        raise FormDefinitionError(f"{where}: {msg}")

    if not isinstance(doc, dict):
        fail("a definition must be a mapping")
    unknown = set(doc) - FORM_KEYS
    if unknown:
        fail(f"unknown keys {sorted(unknown)}")
    for key in ("key", "title", "fields"):
        if not doc.get(key):
            fail(f"missing {key!r}")
    modes = doc.get("modes") or []
    if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
        fail("'modes' must be a list of strings")
    _check_mode_list(doc.get("readonly_modes"), modes, "readonly_modes", fail)
    for entry in doc.get("rules") or []:
        name = entry if isinstance(entry, str) else (entry or {}).get("name")
        if name not in rules:
            fail(f"unknown rule {name!r} (known: {sorted(rules)})")
        if isinstance(entry, dict):
            _check_mode_list(entry.get("modes"), modes, f"rule {name}.modes", fail)
    for name in doc.get("warnings") or []:
        if name not in warnings:
            fail(f"unknown warning {name!r} (known: {sorted(warnings)})")
    _check_fields(doc["fields"], "", modes, computed, fail)


def _check_mode_list(value: Any, modes: list[str], what: str, fail) -> None:
    if value is None:
        return
    if not isinstance(value, list) or any(m not in modes for m in value):
        fail(f"{what} must be a list of the form's modes {modes}, got {value!r}")


def _check_fields(fields: Any, prefix: str, modes: list[str], computed: set[str], fail) -> None:
    if not isinstance(fields, list) or not fields:
        fail(f"{prefix.rstrip('.') or 'fields'}: 'fields' must be a non-empty list")
    names = {f.get("name") for f in fields if isinstance(f, dict)}
    seen: set[str] = set()
    for spec in fields:
        if not isinstance(spec, dict):
            fail(f"{prefix}: every field must be a mapping, got {spec!r}")
        name = spec.get("name")
        path = f"{prefix}{name}"
        if not isinstance(name, str) or not NAME_RE.match(name):
            fail(f"field {path!r}: name must be snake_case")
        if name in seen:
            fail(f"field {path}: duplicate name")
        seen.add(name)
        unknown = set(spec) - FIELD_KEYS
        if unknown:
            fail(f"field {path}: unknown attributes {sorted(unknown)}")
        if not spec.get("label"):
            fail(f"field {path}: missing label")
        ftype = spec.get("type")
        if ftype not in TYPES:
            fail(f"field {path}: unknown type {ftype!r}")
        _check_mode_list(spec.get("modes"), modes, f"field {path}: modes", fail)
        if not isinstance(spec.get("readonly", False), bool):
            fail(f"field {path}: readonly must be a bool")
        if not isinstance(spec.get("prefill", True), bool):
            fail(f"field {path}: prefill must be a bool")
        _check_mode_list(spec.get("readonly_modes"), modes, f"field {path}: readonly_modes", fail)
        req = spec.get("required", False)
        if isinstance(req, list):
            _check_mode_list(req, modes, f"field {path}: required", fail)
        elif isinstance(req, dict):
            _check_condition(req, names, path, fail)
        elif not isinstance(req, bool):
            fail(f"field {path}: required must be a bool, a list of modes or a condition")
        if "required_when" in spec:
            _check_condition(spec["required_when"], names, path, fail)
        if ftype in ("enum", "multi_enum"):
            choices = spec.get("choices")
            if not isinstance(choices, list) or not choices:
                fail(f"field {path}: {ftype} needs 'choices'")
            values = [c.get("value") if isinstance(c, dict) else None for c in choices]
            if any(not isinstance(v, str) or not c.get("label") for v, c in zip(values, choices, strict=True)):
                fail(f"field {path}: every choice needs a string 'value' and a 'label'")
            if len(set(values)) != len(values):
                fail(f"field {path}: duplicate choice values")
            if ftype == "enum" and spec.get("default") is not None and spec["default"] not in values:
                fail(f"field {path}: default {spec['default']!r} is not a choice")
        elif "choices" in spec:
            fail(f"field {path}: 'choices' only applies to enum/multi_enum")
        if ftype in ("list", "object"):
            _check_fields(spec.get("fields"), f"{path}.", modes, computed, fail)
        elif "fields" in spec:
            fail(f"field {path}: sub 'fields' only apply to list/object")
        for key in ("min", "max", "gt", "lt", "step"):
            if key in spec and (ftype not in NUMERIC_TYPES or not isinstance(spec[key], int | float)):
                fail(f"field {path}: {key!r} needs a numeric field and a number")
        for key in ("min_length", "max_length"):
            if key in spec and (ftype not in TEXT_TYPES or not isinstance(spec[key], int)):
                fail(f"field {path}: {key!r} needs a text field and an integer")
        for key in ("min_items", "max_items"):
            if key in spec and (ftype not in LIST_TYPES or not isinstance(spec[key], int)):
                fail(f"field {path}: {key!r} needs a list field and an integer")
        if "fixed_rows" in spec and (ftype != "list" or not isinstance(spec["fixed_rows"], bool)):
            fail(f"field {path}: 'fixed_rows' needs a list field and true/false")
        if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
            fail(f"field {path}: min > max")
        if "computed" in spec and spec["computed"] not in computed:
            fail(f"field {path}: unknown computed expression {spec['computed']!r} (known: {sorted(computed)})")
        if "context_choices" in spec and ftype != "enum":
            fail(f"field {path}: context_choices only applies to enum")


def _check_condition(cond: Any, names: set, path: str, fail) -> None:
    if not isinstance(cond, dict) or len({"context", "field"} & set(cond)) != 1:
        fail(f"field {path}: required_when needs exactly one of 'context' or 'field'")
    if "field" in cond:
        if cond["field"] not in names:
            fail(f"field {path}: required_when refers to unknown sibling field {cond['field']!r}")
        ops = {"in", "not_in", "present"} & set(cond)
        if len(ops) != 1:
            fail(f"field {path}: required_when on a field needs one of 'in', 'not_in', 'present'")
        if ops != {"present"} and not isinstance(cond[ops.pop()], list):
            fail(f"field {path}: required_when 'in'/'not_in' must be a list")
    elif not isinstance(cond["context"], str):
        fail(f"field {path}: required_when 'context' must be a context flag name")
