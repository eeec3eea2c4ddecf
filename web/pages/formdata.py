"""HTML form posts → the nested dict a task form validates. Input names are the same dotted
paths the validation errors use (`indicators.0.weight`), so errors land on their inputs."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict


def nest(form: MultiDict, multi: set[str] | None = None) -> dict[str, Any]:
    """`a.0.b=1` → {"a": [{"b": "1"}]}; names in `multi` keep every value as a list."""
    multi = multi or set()
    root: dict[str, Any] = {}
    for name in form:
        if name == "csrf_token" or name.startswith("_"):
            continue
        values = form.getlist(name)
        value: Any = [v for v in values if v != ""] if name in multi else values[-1]
        _put(root, name.split("."), value)
    return _lists(root)


def _put(node: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            return
    node[parts[-1]] = value


def _lists(node: Any) -> Any:
    """Dicts whose keys are all digits become lists, in index order (rows may be removed)."""
    if not isinstance(node, dict):
        return node
    node = {k: _lists(v) for k, v in node.items()}
    if node and all(k.isascii() and k.isdigit() for k in node):  # not "²"
        return [node[k] for k in sorted(node, key=int)]
    return node
