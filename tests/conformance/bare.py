"""Running a model on bare SpiffWorkflow 3.2 (BpmnWorkflow + SpiffBpmnParser, Spiff's default
script engine), the reference the conformance tests compare PerfFlow's run with."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState


@dataclass
class BareRun:
    completed: bool
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    ended_at: str | None = None  # the top-level end event reached last
    waiting: list[str] = field(default_factory=list)  # what still waits (timers, messages)


def run(files: dict[str, bytes], key: str, *, messages: tuple[str, ...] = (), fire_timers: bool = False,
        max_user_tasks: int = 50, script_globals: dict[str, Any] | None = None,
        task_data: dict[str, dict[str, Any]] | None = None, start_data: dict[str, Any] | None = None) -> BareRun:
    """Start `key`; send the named messages (each once something waits for it, as PerfFlow's
    drivers post them only to a waiting subscription), then let the waiting timers fire once when
    `fire_timers` (by pretending their time passed), then complete every ready human task with
    no data (or, for a step `task_data` names by its id, with that data set first, as the model's
    own tests do), until nothing is left to do. `start_data`: the instance's data at its start (as
    PerfFlow's start API merges it, into the root task's data). `script_globals`: names Spiff's default script engine
    lacks and PerfFlow's scripts have (judge.py retries a NameError with them)."""
    pending = list(messages)
    try:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        for name, content in files.items():
            if name.endswith(".dmn"):
                parser.add_dmn_str(content)
            else:
                parser.add_bpmn_str(content, filename=name)
        engine = PythonScriptEngine(environment=TaskDataEnvironment(script_globals)) if script_globals else None
        workflow = BpmnWorkflow(parser.get_spec(key), parser.get_subprocess_specs(key), script_engine=engine)
        workflow.task_tree.data.update(start_data or {})
        workflow.do_engine_steps()
        for _ in range(max_user_tasks):
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if pending and _delivered(workflow, pending[0]):
                pending.pop(0)
            elif fire_timers and workflow.waiting_events():
                _expire_timers(workflow)
                fire_timers = False
            elif ready:
                ready[0].set_data(**(task_data or {}).get(ready[0].task_spec.bpmn_id, {}))
                ready[0].run()
            else:
                break
            workflow.do_engine_steps()
    except Exception as err:  # noqa: BLE001  (a model's failure is a result to compare)
        return BareRun(False, error=f"{type(err).__name__}: {err}")
    return BareRun(workflow.is_completed(), dict(workflow.data if workflow.is_completed() else {}) or _last_data(workflow),
                   ended_at=_end(workflow), waiting=[e.name or e.event_type for e in workflow.waiting_events()])


def _delivered(workflow: BpmnWorkflow, name: str) -> bool:
    """Send message `name` when something waits for it (Spiff's own test: it refuses the rest)."""
    try:
        workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload={}))
    except WorkflowException as err:
        if "is not waiting for" in str(err):
            return False
        raise
    return True


def _expire_timers(workflow: BpmnWorkflow) -> None:
    past = (datetime.now() - timedelta(days=3650)).isoformat()
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if "event_value" in task.internal_data and isinstance(task.internal_data["event_value"], str):
            task.internal_data["event_value"] = past
    workflow.refresh_timers()


def _last_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.name == "End"]
    return dict(ends[-1].data) if ends else {}


def _end(workflow: BpmnWorkflow) -> str | None:
    ends = [t for t in workflow.tasks.values() if isinstance(t.task_spec, EndEvent) and t.state == TaskState.COMPLETED]
    ends.sort(key=lambda t: t.last_state_change)
    return ends[-1].task_spec.bpmn_id if ends else None
