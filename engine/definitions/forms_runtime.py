"""Compiled task forms, cached per model version: a form travels with the version that
snapshotted it, so a later edit of a definition never changes a running instance's form."""
from __future__ import annotations

import threading
import uuid
from typing import Any

from engine.definitions.properties import form_keys
from forms import compile_task_form

_cache: dict[tuple[uuid.UUID, str, str | None], Any] = {}
_lock = threading.Lock()


def task_form(version_id: uuid.UUID, definitions: dict[str, Any], props: dict[str, str]) -> Any:
    key = (version_id, props.get("formKey") or "", props.get("formMode"))
    form = _cache.get(key)
    if form is None:
        form = compile_task_form(form_keys(props.get("formKey")), props.get("formMode"), definitions)
        with _lock:
            _cache[key] = form
    return form


def context_form(version_id: uuid.UUID, definitions: dict[str, Any], props: dict[str, str]) -> Any | None:
    keys = props.get("formContext")
    if not keys:
        return None
    return task_form(version_id, definitions, {"formKey": keys, "formMode": None})
