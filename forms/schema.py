"""From a definition to what one task sees: which fields are present, read-only and required
in a mode, and the marshmallow schema that loads the editable ones."""
from __future__ import annotations

import copy
from typing import Any

from marshmallow import EXCLUDE, Schema, pre_load

from forms import messages as M
from forms.fields import make_field


class BaseForm(Schema):
    error_messages = {"type": M.NOT_OBJECT}  # a row or object that is not a dict

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_to_none(self, data: Any, **kwargs: Any) -> Any:
        # Browsers post "" for untouched inputs; treat as not given.
        if isinstance(data, dict):
            return {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
        return data


def resolve_fields(specs: list[dict], mode: str | None, readonly_modes: list[str] | None = None,
                   parent_readonly: bool = False) -> list[dict]:
    """Copies of the field specs present in `mode`, annotated with `readonly` (bool),
    `required` (bool, static) and `required_when` (condition or None)."""
    out = []
    for spec in specs:
        if mode is not None and spec.get("modes") and mode not in spec["modes"]:
            continue
        field = copy.deepcopy(spec)
        own_ro = field.pop("readonly_modes", None)
        ro_modes = own_ro if own_ro is not None else (readonly_modes if not spec.get("modes") else None)
        readonly = parent_readonly or field.get("readonly") is True or bool(mode and ro_modes and mode in ro_modes)
        req = field.get("required", False)
        cond = field.get("required_when")
        if isinstance(req, dict):
            cond, req = req, False
        elif isinstance(req, list):
            req = mode in req
        # Computed fields are filled by the compiler, except in a read-only view of the form.
        field["computed_here"] = bool(field.get("computed")) and not readonly
        field["readonly"] = readonly or bool(field.get("computed"))
        field["required"] = bool(req) and not field["readonly"]
        field["required_when"] = None if field["readonly"] else cond
        field.pop("modes", None)
        if field["type"] in ("list", "object"):
            field["fields"] = resolve_fields(field["fields"], mode, None, field["readonly"])
        out.append(field)
    return out


def editable(fields: list[dict]) -> list[dict]:
    return [f for f in fields if not f["readonly"]]


def build_schema(fields: list[dict], name: str) -> type[Schema]:
    attrs: dict[str, Any] = {}
    for spec in editable(fields):
        nested = None
        if spec["type"] in ("list", "object"):
            nested = build_schema(spec["fields"], f"{name}_{spec['name']}")
        attrs[spec["name"]] = make_field(spec, spec["required"], nested)
    return type(name, (BaseForm,), attrs)
