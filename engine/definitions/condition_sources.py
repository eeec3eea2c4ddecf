"""Deployment refuses a condition that reads a name nothing in the model can produce, where the
name can only have been meant to come from a step without a form (docs/design.md, "Models from
other tools (issue 13)").

A model drawn elsewhere lets a form-less user or manual task set `repeat`, and a gateway after it
reads `repeat`. Here that step opens the generic approval form F-00, which keeps only its own
fields under the step's namespace: the gateway would fail at run time with a NameError. Start data
(`POST …/instances` `data`, a message start's payload, a domain starter) can give any name, so a
condition is refused only when (1) no element of the deployment set produces the name, (2) every
path from its process's start to it passes a form-less manual step (a condition that may be
evaluated before any such step can only mean start data), (3) the expression does not guard the
name itself (`'x' in locals()`, `locals().get('x')`), and (4) nothing in the set can put
undeclared names into the data (a service task's result, a step's completion handler).
Conditions checked: sequence-flow conditions, conditional events, loop and multi-instance
completion conditions. Scripts are not: they may read names set in ways this cannot see."""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, StandardLoopTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.base.hooks import HANDLER_PROPERTY
from engine.definitions.dataflow_check import called_outputs, declared_names
from engine.definitions.properties import has_own_form, properties
from engine.definitions.sandbox import visible_names

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
Report = Callable[[str, str, str], None]  # (process id, element id, message)
FlowId = Callable[[str, str, str], str | None]  # (source element, target element, condition) -> sequence flow id


def message(name: str) -> str:
    return (f"条件读取的变量 “{name}” 在模型中没有来源：请为用户任务设置表单并用 outputs 发布该字段，"
            "或由脚本、决策表、数据对象给出它")


def check(specs: dict[str, Any], report: Report, flow_id: FlowId | None = None) -> None:
    """Report every condition of `specs` (process id -> spec, the whole deployment set) that reads
    a name only a form-less step could have been meant to give, at its element."""
    if any(_open_producer(ts) for spec in specs.values() for ts in spec.task_specs.values()):
        return
    produced = _produced(specs) | visible_names()
    after_step = _after_formless_step(specs)
    for pid, spec in specs.items():
        for ts in spec.task_specs.values():
            for element, source, after_own_step in _conditions(spec, ts, flow_id):
                if ts.name not in after_step[pid] and not after_own_step:
                    continue
                for name in sorted(unfed(source, produced)):
                    report(pid, element, message(name))


def flow_finder(roots: Iterable[Any]) -> FlowId:
    """Which sequence flow of these parsed files leaves `source` for `target` with `condition`."""
    flows: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for root in roots:
        for flow in root.iter(f"{BPMN}sequenceFlow"):
            expression = flow.find(f"{BPMN}conditionExpression")
            text = (expression.text or "").strip() if expression is not None else ""
            flows.setdefault((flow.get("sourceRef"), flow.get("targetRef")), []).append((flow.get("id"), text))

    def find(source: str, target: str, condition: str) -> str | None:
        between = flows.get((source, target), [])
        return next((fid for fid, text in between if text == condition.strip()), between[0][0] if between else None)

    return find


def unfed(source: str, produced: set[str]) -> set[str]:
    """The names `source` (a Python expression) reads that are neither in `produced` (with the
    sandbox's own names) nor bound or guarded by the expression itself."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return set()  # reported by the compile check
    read, bound, guarded = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            guarded.add(node.value)  # 'x' in locals(), locals().get('x'), x if 'x' in vars() else …
    return read - bound - guarded - produced


def _open_producer(ts: Any) -> bool:
    """An element that may put names into the data that the model does not declare."""
    return isinstance(ts, ServiceTask) or (isinstance(ts, UserTask) and bool(properties(ts).get(HANDLER_PROPERTY)))


def _produced(specs: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for spec in specs.values():
        names |= declared_names(spec, augmented=False) | called_outputs(spec, specs)
        names |= set(getattr(spec, "data_objects", None) or {})
        for ts in spec.task_specs.values():
            for part in _event_parts(ts):  # a catch's payload variable (message, signal, error, escalation)
                names |= {v for attr in ("message_var", "variable") if isinstance(v := getattr(part, attr, None), str)}
            if isinstance(ts, SubWorkflowTask):
                names.add(ts.bpmn_id)
            names |= {v for attr in ("result_variable", "result_var") if isinstance(v := getattr(ts, attr, None), str)}
    return names


def _event_parts(ts: Any) -> list[Any]:
    event = getattr(ts, "event_definition", None)
    return [p for p in [event, *getattr(event, "event_definitions", [])] if p is not None]


def _formless(ts: Any) -> bool:
    """A manual step that opens the generic approval form: it can set no name of the model's."""
    return bool(ts.manual) and not has_own_form(ts)


def _wraps_formless(spec: Any, ts: Any) -> bool:
    """A loop or multi-instance task whose rounds are a form-less step."""
    child = spec.task_specs.get(ts.task_spec) if isinstance(ts, StandardLoopTask | MultiInstanceTask) else None
    return child is not None and _formless(child)


def _after_formless_step(specs: dict[str, Any]) -> dict[str, set[str]]:
    """Per process: the task specs reachable from its start only through a form-less step. An
    embedded sub-process starts after one when its task does; a called process (it gets its
    caller's data) and anything reached some other way count as not after one."""
    parent_task = {ts.spec: (pid, ts.name) for pid, spec in specs.items() for ts in spec.task_specs.values()
                   if isinstance(ts, SubWorkflowTask) and not isinstance(ts, CallActivity)}
    found: dict[str, set[str]] = {}

    def of(pid: str, seen: tuple[str, ...] = ()) -> set[str]:
        if pid not in found:
            parent = parent_task.get(pid)
            starts_after = parent is not None and parent[0] not in seen and parent[1] in of(parent[0], (*seen, pid))
            found[pid] = _only_after(specs[pid], starts_after)
        return found[pid]

    for pid in specs:
        of(pid)
    return found


def _only_after(spec: Any, starts_after: bool) -> set[str]:
    everything = set(_reach(spec, stop_at_steps=False))
    if starts_after:
        return everything
    return everything - set(_reach(spec, stop_at_steps=True))


def _reach(spec: Any, *, stop_at_steps: bool) -> Iterator[str]:
    """Task spec names reachable from the start; `stop_at_steps`: not past a form-less step (a
    loop testing before its first round may skip its step: it is passed)."""
    todo, seen = [spec.start], set()
    while todo:
        ts = todo.pop()
        if ts.name in seen:
            continue
        seen.add(ts.name)
        yield ts.name
        blocks = _formless(ts) or (_wraps_formless(spec, ts) and not getattr(ts, "test_before", False))
        if not (stop_at_steps and blocks):
            todo.extend(ts.outputs)


def _conditions(spec: Any, ts: Any, flow_id: FlowId | None) -> list[tuple[str, str, bool]]:
    """(element to pin the message on, expression, evaluated only after `ts`'s own form-less
    rounds) for each condition `ts` evaluates."""
    found: list[tuple[str, str, bool]] = []
    for cond, target in getattr(ts, "cond_task_specs", None) or []:
        source = getattr(cond, "args", [None])[0] if cond is not None else None
        if isinstance(source, str):  # Spiff wraps a condition in an operator; default flows have none
            target_id = getattr(spec.task_specs.get(target), "bpmn_id", None) or target
            found.append(((flow_id and flow_id(ts.bpmn_id, target_id, source)) or ts.bpmn_id, source, False))
    for part in _event_parts(ts):
        if isinstance(part, ConditionalEventDefinition) and isinstance(part.expression, str):
            found.append((ts.bpmn_id, part.expression, False))
    if isinstance(ts, StandardLoopTask | MultiInstanceTask) and isinstance(ts.condition, str):
        # a standard loop may test before its first round; a completion condition follows a member
        found.append((ts.bpmn_id, ts.condition, _wraps_formless(spec, ts) and not getattr(ts, "test_before", False)))
    return found
