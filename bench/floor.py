"""The engine floor: the same model in memory with the same engine configuration (restricted
scripts, cached spec), with and without a serializer round trip per wait state."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.definitions import taskdata
from engine.definitions.deploy import closure_files
from engine.definitions.sandbox import EngineScripts
from engine.definitions.specs import build_parser
from engine.moves import serializer


def load_spec(workflows: Path, key: str, files: dict[str, bytes] | None = None) -> tuple[Any, dict[str, Any]]:
    files = files or closure_files(workflows)[key]
    parser, _ = build_parser(files)
    return parser.get_spec(key), parser.get_subprocess_specs(key)


def _complete_ready(workflow: BpmnWorkflow, data: dict[str, Any]) -> None:
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    taskdata.record(task, data)  # as the engine keeps a submission (namespaced, outputs published)
    task.run()
    workflow.do_engine_steps()


def two_step(spec: Any, subs: dict[str, Any], fill: dict[str, Any], n: int, round_trip: bool) -> dict[str, float]:
    """n instances start → fill → approve → end; per-completion latency and instances/s."""
    step_times: list[float] = []
    started = time.perf_counter()
    for _ in range(n):
        scripts = EngineScripts()
        workflow = BpmnWorkflow(spec, subs, script_engine=scripts)
        workflow.do_engine_steps()
        state = serializer.dump(workflow) if round_trip else None
        for data in (fill, {"verdict": "APPROVE"}):
            t0 = time.perf_counter()
            if round_trip:
                workflow = serializer.load(state, spec, subs, EngineScripts())
            _complete_ready(workflow, data)
            if round_trip:
                state = serializer.dump(workflow)
            step_times.append(time.perf_counter() - t0)
        assert workflow.is_completed()
    elapsed = time.perf_counter() - started
    from bench.stats import summary_ms

    return {"instances_per_s": round(n / elapsed, 1), **summary_ms(step_times)}


def one_step(spec: Any, subs: dict[str, Any], state: str, task_name: str, data: dict[str, Any],
             reps: int) -> dict[str, float]:
    """deserialize → complete `task_name` with `data` → serialize, from the same saved state."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        workflow = serializer.load(state, spec, subs, EngineScripts())
        task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                    if t.task_spec.bpmn_id == task_name)
        taskdata.record(task, data)
        task.run()
        workflow.do_engine_steps()
        serializer.dump(workflow)
        times.append(time.perf_counter() - t0)
    from bench.stats import summary_ms

    return summary_ms(times)
