"""One state change per request, in its own transaction; engine errors become Chinese messages
(per field for validation errors), never a 500. Input helpers shared by the operation pages."""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import flash, request

from engine.base.errors import EngineError, Incident, ValidationFailed
from web.transactions import atomic, record_incident

T = TypeVar("T")
TEXT_MAX = 2000
_SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass
class Outcome(Generic[T]):
    value: T | None = None
    errors: dict[str, list[str]] | None = None  # ValidationFailed: field -> messages
    message: str | None = None  # any other engine error

    @property
    def ok(self) -> bool:
        return self.errors is None and self.message is None

    def messages(self) -> list[str]:
        found = [m for ms in (self.errors or {}).values() for m in ms]
        return found + ([self.message] if self.message else [])


def attempt(fn: Callable[[], T], instance_id: Any = None) -> Outcome[T]:
    """Run `fn` in `atomic`; on an engine error the transaction is rolled back."""
    try:
        return Outcome(value=atomic(fn))
    except ValidationFailed as err:
        return Outcome(errors=err.errors or {"_form": ["输入有误"]})
    except Incident as err:
        record_incident(err, instance_id)
        return Outcome(message=f"流程执行出错，操作未生效：{err}")
    except EngineError as err:  # Forbidden, NotFound, Conflict (RateLimited), …
        return Outcome(message=str(err) or "操作未成功")


def flash_failure(label: str, outcome: Outcome[Any]) -> None:
    flash(f"{label}未成功：{'；'.join(outcome.messages())}", "error")


def parse_id(value: str | None, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        raise ValidationFailed({field: ["编号无效"]}) from None


def text(name: str, required_message: str | None = None) -> str:
    """A posted text field, stripped; too long or (when required) empty is a field error."""
    value = (request.form.get(name) or "").strip()
    if len(value) > TEXT_MAX:
        raise ValidationFailed({name: [f"不超过 {TEXT_MAX} 字"]})
    if required_message and not value:
        raise ValidationFailed({name: [required_message]})
    return value


def usernames(name: str) -> list[str]:
    """`a, b，c、d` → ["a", "b", "c", "d"] (commas, 顿号, semicolons or spaces)."""
    raw = request.form.get(name) or ""
    return [n for n in _SEPARATORS.split(raw) if n]
