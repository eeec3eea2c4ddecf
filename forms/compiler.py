"""Compile one or more form definitions (one task may combine several, e.g. F-01+F-04) for a
mode into a TaskForm: marshmallow validation + context checks + named rules, JSON Schema, UI."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError

from forms import (
    indicators,  # noqa: F401  (the indicator-grid rules register on import)
    render,
)
from forms import messages as M
from forms.computed import COMPUTED
from forms.conditions import condition_met, condition_text
from forms.ctx import Ctx
from forms.definition import FormDefinitionError
from forms.errors import FORM, Errors
from forms.guide import guidance
from forms.rules import RULES, WARNINGS
from forms.schema import build_schema, resolve_fields

# How a `max_context` bound reads in a message.
CONTEXT_LABELS = {"request_wan": "申请金额", "total_amount": "项目总额", "adjustable_wan": "年度预算减去累计支出"}


@dataclass
class TaskForm:
    keys: list[str]
    mode: str | None
    field_names: list[str]
    json_schema: dict[str, Any]
    ui: dict[str, Any]
    sections: list[tuple[dict, list[dict]]] = field(repr=False)
    fields: list[dict] = field(repr=False)
    schema: type[Schema] = field(repr=False)
    rules: list[tuple[str, str | None]] = field(repr=False)
    warning_names: list[str] = field(repr=False)

    @property
    def editable_names(self) -> list[str]:
        """Top-level fields a submission may set (not read-only, not computed)."""
        return [f["name"] for f in self.fields if not f["readonly"]]

    def _allowed(self, ctx: Ctx) -> dict[str, list[str]]:
        keys = {f.get("context_choices") for f in self.fields} - {None}
        return {k: v for k in keys if (v := ctx.choices(k)) is not None}

    def json_schema_for(self, context: Mapping[str, Any] | None) -> dict[str, Any]:
        """The JSON Schema with context-restricted enums (e.g. the task's verdicts)."""
        title = " + ".join(d["title"] for d, _ in self.sections)
        return render.json_schema(title, self.fields, self._allowed(Ctx.of(context)))

    def ui_for(self, context: Mapping[str, Any] | None) -> dict[str, Any]:
        return {"keys": self.keys, **render.ui(self.sections, self.mode, self._allowed(Ctx.of(context)))}

    def validate(self, data: Any, context: Mapping[str, Any] | None = None) -> tuple[dict, dict[str, list[str]]]:
        """(clean data, {dotted path: [Chinese messages]}); no errors ⇔ the submission may be saved."""
        ctx, errors = Ctx.of(context), Errors()
        if not isinstance(data, Mapping):
            errors.add(FORM, "提交内容格式无效，须为对象")
            return {}, dict(errors)
        try:
            clean = self.schema().load(dict(data))
        except ValidationError as exc:
            errors.merge_marshmallow(exc.messages)
            valid = exc.valid_data if isinstance(exc.valid_data, dict) else {}
            # marshmallow keeps the good rows of a failed list; drop the whole field instead.
            clean = {k: v for k, v in valid.items() if not errors.has(k)}
        self._context_checks(clean, ctx, errors)
        _conditional(self.fields, clean, ctx, errors, "")
        for spec in self.fields:
            if spec["computed_here"]:
                clean[spec["name"]] = COMPUTED[spec["computed"]](clean, ctx)
        for name, mode in self.rules:
            RULES[name](clean, ctx, mode, errors)
        return clean, dict(errors)

    def guidance(self, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """What the page says before a submission: cross-field rules by field, conditional
        requirements and the indicator grid's structure, for this process context (forms/guide.py)."""
        return guidance([name for name, _ in self.rules], self.fields, context)

    def warnings(self, clean: dict[str, Any], context: Mapping[str, Any] | None = None) -> list[str]:
        """Non-blocking hints (Warn level): the page asks for confirmation and logs a reason."""
        ctx = Ctx.of(context)
        return [msg for name in self.warning_names for msg in WARNINGS[name](clean, ctx)]

    def _context_checks(self, clean: dict[str, Any], ctx: Ctx, errors: Errors) -> None:
        for spec in self.fields:
            name, value = spec["name"], clean.get(spec["name"])
            if value is None or spec["readonly"] or errors.has(name):
                continue
            allowed = ctx.choices(spec["context_choices"]) if spec.get("context_choices") else None
            if allowed is not None and value not in allowed:
                errors.add(name, M.one_of(allowed))
            bound = ctx.decimal(spec["max_context"]) if spec.get("max_context") else None
            if bound is not None and value > bound:
                label = CONTEXT_LABELS.get(spec["max_context"], spec["max_context"])
                errors.add(name, f"不能大于{label} {M.fmt(bound)} 万元")


def _conditional(fields: list[dict], scope: dict, ctx: Ctx, errors: Errors, prefix: str) -> None:
    """`required_when` checks, recursively into list rows and objects."""
    for spec in fields:
        path, value = prefix + spec["name"], scope.get(spec["name"])
        cond = spec.get("required_when")
        if cond and not errors.has(path) and value in (None, []):
            sibling = cond.get("field")
            if not (sibling and errors.has(prefix + sibling)) and condition_met(cond, scope, ctx):
                text = condition_text(cond, fields)
                errors.add(path, M.required_if(text) if text else M.REQUIRED)
        if spec["type"] == "object" and isinstance(value, dict):
            _conditional(spec["fields"], value, ctx, errors, path + ".")
        elif spec["type"] == "list" and isinstance(value, list):
            for i, row in enumerate(value):
                if isinstance(row, dict):
                    _conditional(spec["fields"], row, ctx, errors, f"{path}.{i}.")


_CACHE: dict[tuple, TaskForm] = {}


def _fingerprint(defs: list[dict]) -> str:
    return hashlib.sha256(json.dumps(defs, sort_keys=True, default=str).encode()).hexdigest()


def compile_task_form(keys: list[str] | str, mode: str | None, definitions: Mapping[str, dict]) -> TaskForm:
    """One TaskForm for the forms `keys` (list, or joined by '+') in `mode`. A definition with
    modes uses its first mode when `mode` is None; one without modes ignores `mode`."""
    keys = [k.strip() for k in keys.split("+")] if isinstance(keys, str) else list(keys)
    missing = [k for k in keys if k not in definitions]
    if missing:
        raise FormDefinitionError(f"unknown form key(s) {missing}")
    defs = [definitions[k] for k in keys]
    cache_key = (tuple(keys), mode, _fingerprint(defs))
    if cache_key not in _CACHE:
        _CACHE[cache_key] = _compile(keys, mode, defs)
    return _CACHE[cache_key]


def _compile(keys: list[str], mode: str | None, defs: list[dict]) -> TaskForm:
    sections: list[tuple[dict, list[dict]]] = []
    rules: list[tuple[str, str | None]] = []
    owner: dict[str, str] = {}
    effective_mode = mode
    for doc in defs:
        modes = doc.get("modes") or []
        if modes and mode is not None and mode not in modes:
            raise FormDefinitionError(f"{doc['key']}: no mode {mode!r} (modes: {modes})")
        own_mode = (mode or modes[0]) if modes else None
        effective_mode = effective_mode or own_mode
        fields = resolve_fields(doc["fields"], own_mode, doc.get("readonly_modes"))
        for spec in fields:
            if spec["name"] in owner:
                raise FormDefinitionError(f"{doc['key']}: field {spec['name']!r} is also in {owner[spec['name']]}")
            owner[spec["name"]] = doc["key"]
        for entry in doc.get("rules") or []:
            name, only = (entry, None) if isinstance(entry, str) else (entry["name"], entry.get("modes"))
            if not only or own_mode in only:
                rules.append((name, own_mode))
        sections.append((doc, fields))
    flat = [f for _, fields in sections for f in fields]
    task = TaskForm(
        keys=keys, mode=effective_mode, field_names=[f["name"] for f in flat], json_schema={}, ui={},
        sections=sections, fields=flat, schema=build_schema(flat, "Form_" + "_".join(keys).replace("-", "")),
        rules=rules, warning_names=[w for d in defs for w in d.get("warnings") or []],
    )
    task.json_schema = task.json_schema_for(None)
    task.ui = task.ui_for(None)
    return task


def prefill(task_form: TaskForm, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The part of `data` this form shows (engine.definitions.taskdata passes what the step may open with: its
    mapped inputs and its own earlier submission). Fields marked `prefill: false` (a reviewer's
    verdict, opinion, attachments) start empty: each decision is made afresh."""
    data = data or {}
    return {f["name"]: data[f["name"]] for f in task_form.fields
            if f["name"] in data and f.get("prefill", True)}
