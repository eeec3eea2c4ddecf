"""The process facts a submission is validated against (packs, allowed verdicts, flags from
DT-01, the requested amount …), normalised once so rules don't each re-parse them."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any


def _str_list(value: Any) -> list[str] | None:
    # BPMN properties arrive as "APPROVE,RETURN"; Python callers pass lists or sets.
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        return None
    return out if out.is_finite() else None


@dataclass(frozen=True)
class Ctx:
    raw: Mapping[str, Any]

    @classmethod
    def of(cls, context: Mapping[str, Any] | None) -> Ctx:
        return cls(dict(context or {}))

    def flag(self, name: str) -> bool:
        return bool(self.raw.get(name))

    @property
    def packs(self) -> set[str]:
        return set(_str_list(self.raw.get("packs")) or ["CORE"])

    @property
    def verdicts(self) -> list[str] | None:
        return _str_list(self.raw.get("verdicts")) or None

    def choices(self, name: str) -> list[str] | None:
        """Values a `context_choices` enum is restricted to (None = no restriction)."""
        return _str_list(self.raw.get(name)) or None

    @property
    def framework(self) -> str:
        return str(self.raw.get("framework") or "FW88")

    def decimal(self, name: str) -> Decimal | None:
        return _decimal(self.raw.get(name))

    def int(self, name: str) -> int | None:
        value = self.raw.get(name)
        try:
            return int(value) if value is not None and not isinstance(value, bool) else None
        except (TypeError, ValueError):
            return None

    @property
    def current_year(self) -> int:
        return self.int("current_year") or date.today().year
