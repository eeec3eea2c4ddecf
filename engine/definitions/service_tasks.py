"""Service tasks that may run on the queue (issue 4 point 7): which ones do (the property
`async="true"`, or a handler registered with `background=True`), the task spec that leaves them
STARTED for the queue, and the `service.run` jobs a move owes for them. The job itself, which
completes the task and moves on, is engine.moves.services."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.spiff.specs.defaults import ServiceTask

from engine.base.hooks import REGISTRY
from engine.base.models import ProcessInstance
from engine.definitions.properties import properties
from engine.definitions.taskdata import forget
from engine.dispatch import queue


def in_background(spec: Any) -> bool:
    flag = properties(spec).get("async")
    if flag is not None:
        return flag.strip().lower() == "true"
    return spec.operation_name in REGISTRY.background_services


class EngineServiceTask(ServiceTask):
    """Spiff's service task; a background one returns None so the engine leaves it STARTED. A
    `forgetForms` property drops those steps' earlier submissions first (a loop's new round)."""

    def _execute(self, task: Any) -> bool | None:
        forget(task)
        if in_background(self):
            task.workflow.script_engine.deferred.append(task.id)
            return None
        return super()._execute(task)


def owe_jobs(instance: ProcessInstance, workflow: Any) -> None:
    """Inside the move: one `service.run` job per service task this move left STARTED."""
    deferred = getattr(workflow.script_engine, "deferred", None)
    while deferred:
        task_id = deferred.pop(0)
        queue.enqueue("service.run", {"instance_id": str(instance.id), "task_id": str(task_id)},
                      instance_id=instance.id, key=f"service:{task_id}:{instance.moves}")
