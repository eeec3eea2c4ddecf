"""The one converter for the values task data carries beyond JSON: Decimal, date, datetime and
UUID (docs/design.md "One converter"). One table, three shapes:

- text: each kind's `to_text`/`from_text`; the Spiff serializer stores `{"value": text}` under the
  kind's name (engine.moves.serializer), so workflow state round-trips typed;
- plain JSON (`plain`, `default`): Decimal → its exact text (money and scores never become floats),
  date/datetime → ISO 8601, UUID → text, sets → sorted lists. What JSON responses and JSONB columns
  hold: work-item submissions, message payloads, the domain's records;
- tagged JSON (`tagged`/`untagged`): `{"$decimal": "1.50"}`, `{"$date": …}`, `{"$datetime": …}`,
  `{"$uuid": …}` where a value stored as JSON must come back typed (the JUMP_BACK plan).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Kind:
    type: type
    name: str  # the Spiff serializer's typename; the tag is "$" + name in lower case
    to_text: Callable[[Any], str]
    from_text: Callable[[str], Any]

    @property
    def tag(self) -> str:
        return f"${self.name.lower()}"


# datetime before date: a datetime is a date too.
KINDS = (
    Kind(Decimal, "Decimal", str, Decimal),
    Kind(datetime, "datetime", datetime.isoformat, datetime.fromisoformat),
    Kind(date, "date", date.isoformat, date.fromisoformat),
    Kind(uuid.UUID, "UUID", str, uuid.UUID),
)
_BY_TYPE = {k.type: k for k in KINDS}
_BY_TAG = {k.tag: k for k in KINDS}
_JSON_SCALARS = (str, int, float, bool)


def kind_of(value: Any) -> Kind | None:
    kind = _BY_TYPE.get(type(value))
    if kind is None and not isinstance(value, _JSON_SCALARS):
        kind = next((k for k in KINDS if isinstance(value, k.type)), None)
    return kind


def plain(value: Any) -> Any:
    """`value` as plain JSON data (see the module doc); anything else unknown becomes its text."""
    if value is None or isinstance(value, _JSON_SCALARS):
        return value
    if kind := kind_of(value):
        return kind.to_text(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=str)
    return str(value)


def default(value: Any) -> Any:
    """The `default` hook of a JSON encoder: the plain form of one of our kinds or of a set."""
    if kind := kind_of(value):
        return kind.to_text(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def tagged(value: Any) -> Any:
    """`value` as JSON data in which every Decimal, date, datetime and UUID keeps its type."""
    if kind := kind_of(value):
        return {kind.tag: kind.to_text(value)}
    if isinstance(value, dict):
        return {str(k): tagged(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [tagged(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((tagged(v) for v in value), key=str)
    return value if value is None or isinstance(value, _JSON_SCALARS) else str(value)


def untagged(value: Any) -> Any:
    """The inverse of `tagged`."""
    if isinstance(value, dict):
        if len(value) == 1 and (kind := _BY_TAG.get(next(iter(value)))) is not None:
            return kind.from_text(value[kind.tag])
        return {k: untagged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untagged(v) for v in value]
    return value
