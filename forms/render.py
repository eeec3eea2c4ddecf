"""What a client renders: a draft 2020-12 JSON Schema and an ordered UI description, both
derived from the resolved fields (the marshmallow schema stays the authority)."""
from __future__ import annotations

from typing import Any

from forms.fields import DEFAULT_PLACES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
JSON_TYPES = {
    "string": "string", "text": "string", "user": "string", "enum": "string", "date": "string",
    "int": "integer", "decimal": "number", "money": "number", "percent": "number", "bool": "boolean",
    "multi_enum": "array", "files": "array", "users": "array", "list": "array", "object": "object",
}
WIDGETS = {
    "string": "input", "text": "textarea", "int": "number", "decimal": "number", "money": "money",
    "percent": "percent", "bool": "checkbox", "enum": "select", "multi_enum": "checkboxes", "date": "date",
    "user": "user", "users": "users", "files": "files", "list": "table", "object": "group",
}


def _restrict(spec: dict, allowed: dict[str, list[str]] | None) -> list[dict]:
    choices = spec.get("choices") or []
    key = spec.get("context_choices")
    if allowed and key and allowed.get(key) is not None:
        choices = [c for c in choices if c["value"] in allowed[key]]
    return choices


def field_schema(spec: dict, allowed: dict[str, list[str]] | None = None) -> dict[str, Any]:
    ftype = spec["type"]
    out: dict[str, Any] = {"title": spec["label"], "type": JSON_TYPES[ftype]}
    if spec.get("help"):
        out["description"] = spec["help"]
    if ftype == "enum":
        choices = _restrict(spec, allowed)
        out["enum"] = [c["value"] for c in choices]
        out["x-enumLabels"] = {c["value"]: c["label"] for c in choices}
    elif ftype == "date":
        out["format"] = "date"
    elif ftype in ("multi_enum", "files", "users"):
        item: dict[str, Any] = {"type": "string"}
        if ftype == "multi_enum":
            item["enum"] = [c["value"] for c in spec["choices"]]
            out["uniqueItems"] = True
        out["items"] = item
    elif ftype == "list":
        out["items"] = object_schema(spec["fields"], allowed)
    elif ftype == "object":
        out.update(object_schema(spec["fields"], allowed))
    bounds = {"min": "minimum", "max": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum",
              "step": "multipleOf", "min_length": "minLength", "max_length": "maxLength",
              "min_items": "minItems", "max_items": "maxItems"}
    out.update({target: spec[src] for src, target in bounds.items() if src in spec})
    if ftype == "percent":
        out.setdefault("minimum", 0)
        out.setdefault("maximum", 100)
    if spec.get("default") is not None:
        out["default"] = spec["default"]
    if spec["readonly"]:
        out["readOnly"] = True
    if spec.get("required") and ftype in ("files", "list", "multi_enum", "users"):
        out.setdefault("minItems", 1)
    if not spec["required"] and ftype != "object":
        out["type"] = [out["type"], "null"]
    elif not spec["required"]:
        out["type"] = ["object", "null"]
    if spec.get("required_when"):
        out["x-requiredWhen"] = spec["required_when"]
    return out


def object_schema(fields: list[dict], allowed: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {f["name"]: field_schema(f, allowed) for f in fields},
        "required": [f["name"] for f in fields if f["required"]],
    }


def json_schema(title: str, fields: list[dict], allowed: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"$schema": DIALECT, "title": title, **object_schema(fields, allowed)}


def ui_field(spec: dict, allowed: dict[str, list[str]] | None = None) -> dict[str, Any]:
    ftype = spec["type"]
    out: dict[str, Any] = {
        "name": spec["name"], "label": spec["label"], "label_en": spec.get("label_en"), "type": ftype,
        "widget": spec.get("widget") or WIDGETS[ftype], "required": spec["required"],
        "readonly": spec["readonly"], "help": spec.get("help"),
    }
    for key in ("min", "max", "gt", "lt", "step", "min_length", "max_length", "min_items", "max_items",
                "default", "computed", "required_when", "fixed_rows"):
        if spec.get(key) is not None:
            out[key] = spec[key]
    if ftype in DEFAULT_PLACES or "places" in spec:
        out["places"] = spec.get("places", DEFAULT_PLACES.get(ftype))
    if ftype == "money":
        out["unit"] = "万元"
    if ftype in ("enum", "multi_enum"):
        out["choices"] = [{"value": c["value"], "label": c["label"]} for c in _restrict(spec, allowed)]
    if ftype in ("list", "object"):
        out["fields"] = [ui_field(f, allowed) for f in spec["fields"]]
    return out


def ui(sections: list[tuple[dict, list[dict]]], mode: str | None,
       allowed: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {
        "mode": mode,
        "sections": [
            {"key": d["key"], "title": d["title"], "title_en": d.get("title_en"),
             "fields": [ui_field(f, allowed) for f in fields]}
            for d, fields in sections
        ],
    }
