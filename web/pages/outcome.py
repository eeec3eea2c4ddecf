"""The pages' one translation of engine errors: a state change runs in its own transaction and
comes back as an Outcome — field messages in Chinese to show beside their inputs, or one Chinese
message to flash — never a 500. (The API translates the same errors to JSON in web/api/errors.py.)"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import flash
from marshmallow import Schema

from engine.base.errors import Conflict, EngineError, Forbidden, Incident, NotFound, ValidationFailed
from engine.moves.interactions import RateLimited
from web.operations import parse
from web.transactions import atomic, record_incident

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    value: T | None = None
    errors: dict[str, list[str]] | None = None  # ValidationFailed: field -> messages
    message: str | None = None  # any other engine error
    status: int = 200  # what the error would be over HTTP: 403, 404, 409, 422, 429

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
        return Outcome(errors=err.errors or {"_form": ["输入有误"]}, status=422)
    except Incident as err:
        record_incident(err, instance_id)
        return Outcome(message=f"流程执行出错，操作未生效：{err}", status=422)
    except EngineError as err:  # Forbidden, NotFound, Conflict, RateLimited, …
        return Outcome(message=str(err) or "操作未成功", status=_status(err))


def attempt_with(schema: type[Schema], raw: Any, fn: Callable[[dict[str, Any]], T],
                 instance_id: Any = None) -> Outcome[T]:
    """Parse a posted form with an operation's schema (web/inputs.py), then `attempt` the move."""
    try:
        args = parse(schema, raw)
    except ValidationFailed as err:
        return Outcome(errors=err.errors, status=422)
    return attempt(lambda: fn(args), instance_id)


def _status(err: EngineError) -> int:
    for kind, status in ((RateLimited, 429), (Forbidden, 403), (NotFound, 404), (Conflict, 409)):
        if isinstance(err, kind):
            return status
    return 422


def flash_failure(label: str, outcome: Outcome[Any]) -> None:
    flash(f"{label}未成功：{'；'.join(outcome.messages())}", "error")


def parse_id(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        return None
