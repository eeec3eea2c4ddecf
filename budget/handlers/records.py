"""The task-completion listener: a thin dispatch from (form keys, mode, task) to one small writer
per kind of submission. Everything runs in the engine's transaction (no commits here)."""
from __future__ import annotations

from collections.abc import Callable

from budget.handlers import writers
from budget.handlers._common import task_name
from budget.handlers.application import record_application
from engine.base import hooks
from engine.base.hooks import TaskCompleted

Writer = Callable[[TaskCompleted], None]
EDIT = frozenset({None, "", "edit", "assess"})
ANY = None  # matches every mode

# (form keys, modes or ANY, task ids or None = any task, writer); first match wins.
ROUTES: list[tuple[frozenset[str], frozenset[str | None] | None, frozenset[str] | None, Writer]] = [
    (frozenset({"F-01", "F-04"}), EDIT, None, record_application),
    (frozenset({"F-00"}), ANY, frozenset({"ut_p1_unit_approve"}), writers.record_unit_approval),
    (frozenset({"F-00"}), ANY, frozenset({"ut_p1_fin_decide"}), writers.record_fin_decision),
    (frozenset({"F-05"}), frozenset({"dept"}), frozenset({"ut_p1_dept_review"}), writers.record_dept_review),
    (frozenset({"F-02"}), EDIT, None, writers.record_dept_exante),
    (frozenset({"F-02"}), frozenset({"review"}), None, writers.record_exante_review),
    (frozenset({"F-03"}), EDIT, None, writers.record_fiscal_scores),
    (frozenset({"F-26"}), frozenset({"accept"}), None, writers.record_engagement_accept),
    # F-03 / F-05 / F-06 expert modes: nothing here, panel.aggregate records the panel.
]


def route(form_keys: list[str], form_mode: str | None, name: str | None) -> Writer | None:
    keys = frozenset(form_keys or [])
    for route_keys, modes, tasks, writer in ROUTES:
        if keys == route_keys and (modes is ANY or form_mode in modes) and (tasks is None or name in tasks):
            return writer
    return None


@hooks.on_task_completed
def on_task_completed(event: TaskCompleted) -> None:
    writer = route(event.form_keys, event.form_mode, task_name(event.task))
    if writer is not None:
        writer(event)
