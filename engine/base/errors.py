"""Errors the engine raises; the web layer maps them to HTTP statuses."""
from __future__ import annotations

from dataclasses import dataclass, field


class EngineError(Exception):
    pass


@dataclass
class ElementError:
    file: str | None
    element_id: str | None
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"file": self.file, "element_id": self.element_id, "message": self.message}


class DeploymentError(EngineError):
    def __init__(self, errors: list[ElementError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


@dataclass
class ValidationFailed(EngineError):
    """A submission did not validate: field path -> Chinese messages."""

    errors: dict[str, list[str]] = field(default_factory=dict)


class NotFound(EngineError):
    pass


class Forbidden(EngineError):
    pass


class Conflict(EngineError):
    """The task is no longer ready (completed or cancelled by a concurrent move)."""


class Incident(EngineError):
    """The engine refused to continue (loop-depth guard, script error, any SpiffWorkflow error while
    a task runs); the move is rolled back. `instance_id` names the instance it happened on, so the
    web layer can record it there after the rollback; `element` names the BPMN element it happened
    on when the engine knows it (the instance's diagram marks it)."""

    def __init__(self, message: str = "", instance_id: object = None, element: str | None = None) -> None:
        super().__init__(message)
        self.instance_id = instance_id
        self.element = element
