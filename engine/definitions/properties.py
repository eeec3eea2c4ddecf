"""A BPMN element's `spiffworkflow:properties` and the form keys a user task names: read by
deployment checks, step rules and every move, so they sit below all of them."""
from __future__ import annotations

from typing import Any


def form_keys(value: str | None) -> list[str]:
    return [k.strip() for k in (value or "").split("+") if k.strip()]


def properties(task_spec: Any) -> dict[str, str]:
    return dict(getattr(task_spec, "extensions", {}) or {}).get("properties", {}) or {}
