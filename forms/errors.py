"""The flat error map a submission produces: dotted path → Chinese messages."""
from __future__ import annotations

from typing import Any

FORM = "_form"


class Errors(dict[str, list[str]]):
    def add(self, path: str, message: str) -> None:
        msgs = self.setdefault(path or FORM, [])
        if message not in msgs:
            msgs.append(message)

    def has(self, path: str) -> bool:
        """True when `path` or anything below it already failed — rules then stay quiet."""
        return any(p == path or p.startswith(path + ".") for p in self)

    def merge_marshmallow(self, messages: Any, prefix: str = "") -> None:
        """Flatten marshmallow's nested messages ({"rows": {0: {"x": [..]}}}) into dotted paths."""
        if isinstance(messages, dict):
            for key, sub in messages.items():
                key = FORM if key == "_schema" and not prefix else ("" if key == "_schema" else str(key))
                path = f"{prefix}.{key}" if prefix and key else (prefix or key)
                self.merge_marshmallow(sub, path)
        elif isinstance(messages, list | tuple):
            for item in messages:
                self.merge_marshmallow(item, prefix)
        else:
            self.add(prefix, str(messages))
