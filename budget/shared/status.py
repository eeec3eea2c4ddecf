"""Changing a project's library status: the one writer, applying budget.calc.status's rules."""
from __future__ import annotations

from budget.calc.status import check_change
from budget.models import Project


def change_library_status(project: Project, new: str, actor: str | None = None) -> bool:
    """Apply a transition; returns False when already in `new` (idempotent). Raises
    IllegalTransition when the state machine forbids it."""
    if not check_change(project.code, project.library_status, new):
        return False
    project.library_status = new
    if actor:
        project.updated_by = actor
    return True
