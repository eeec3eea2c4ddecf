"""Deployment checks of the task data flow (engine.definitions.taskdata): every input mapping, output mapping
and formContext of a user task names something that exists where the task runs. A task sees the
user tasks and process variables of its own process and of the processes it is embedded in
(an embedded sub-process shares its parent's data; a called process only gets its declared
data inputs)."""
from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.base.hooks import REGISTRY
from engine.definitions import steprules, taskdata
from engine.definitions.properties import form_keys, properties
from forms import compile_task_form

Report = Callable[[str, str, str], None]  # (process id, element id, message)


def check(specs: dict[str, Any], form_defs: dict[str, Any], report: Report) -> None:
    parent_of = {ts.spec: pid for pid, spec in specs.items() for ts in spec.task_specs.values()
                 if isinstance(ts, SubWorkflowTask) and not isinstance(ts, CallActivity)}

    def scope(pid: str) -> list[str]:
        chain = [pid]
        while chain[-1] in parent_of and parent_of[chain[-1]] not in chain:
            chain.append(parent_of[chain[-1]])
        return chain

    steps = {pid: {ts.bpmn_id: ts for ts in spec.task_specs.values() if isinstance(ts, UserTask)}
             for pid, spec in specs.items()}
    declared = {pid: declared_names(spec) | called_outputs(spec, specs) for pid, spec in specs.items()}
    for pid in specs:
        visible_steps = {k: v for p in reversed(scope(pid)) for k, v in steps[p].items()}
        visible_names = set().union(*(declared[p] for p in scope(pid)))
        for ts in steps[pid].values():
            def err(msg: str, _pid: str = pid, _el: str = ts.bpmn_id) -> None:
                report(_pid, _el, msg)

            _check_task(ts, visible_steps, visible_names, form_defs, err)
        for ts in specs[pid].task_specs.values():
            _check_forget(ts, visible_steps, lambda msg, _pid=pid, _el=getattr(ts, "bpmn_id", None): report(_pid, _el, msg))


def _check_forget(ts: Any, steps: dict[str, Any], err: Callable[[str], None]) -> None:
    """`forgetForms` works on service tasks (EngineServiceTask) and names user tasks the token meets."""
    names = taskdata.forgotten(ts)
    if names and not isinstance(ts, ServiceTask):
        err("forgetForms 只能用于服务任务")
    for step in names:
        if step not in steps:
            err(f"forgetForms：“{step}” 不是本流程的用户任务")


def _check_task(ts: Any, steps: dict[str, Any], names: set[str], form_defs: dict[str, Any],
                err: Callable[[str], None]) -> None:
    flow, problems = taskdata.parse(properties(ts))
    for problem in problems:
        err(problem)
    own = fields_of(ts, form_defs)
    signer = steprules.parse(properties(ts))[0].sign_mode is not None
    for _name, field in flow.outputs:
        if own is not None and field not in own and not (signer and field in taskdata.SIGN_OUTCOME):
            err(f"outputs：本环节的表单没有字段 “{field}”")
    for entry in flow.inputs:
        if entry.target is not None and own is not None and entry.target not in own:
            err(f"inputs：本环节的表单没有字段 “{entry.target}”")
        for source in entry.sources:
            if source.step is None:
                if source.field not in names:
                    err(f"inputs：未知的来源 “{source.field}”（流程中没有声明该变量：数据输入、脚本赋值、"
                        "决策表输出、多实例数据项或环节的 outputs）")
                continue
            step = steps.get(source.step)
            if step is None:
                err(f"inputs：未知的来源环节 “{source.step}”（须为本流程或其所在流程中的用户任务）")
                continue
            theirs = fields_of(step, form_defs)
            if source.field != "*" and theirs is not None and source.field not in theirs:
                err(f"inputs：环节 {source.step} 的表单没有字段 “{source.field}”")
    for step in flow.context:
        if step not in steps:
            err(f"formContext：未知的环节 “{step}”（须为本流程或其所在流程中的用户任务 id）")


def fields_of(ts: Any, form_defs: dict[str, Any]) -> set[str] | None:
    """The top-level field names of a user task's form; None when its form is itself wrong
    (that error is reported on its own)."""
    props = properties(ts)
    keys = form_keys(props.get("formKey"))
    if not keys or any(k not in form_defs for k in keys):
        return None
    try:
        return set(compile_task_form(keys, props.get("formMode"), form_defs).field_names)
    except Exception:  # noqa: BLE001  (a bad mode is reported by the form check)
        return None


def declared_names(spec: Any, *, augmented: bool = True) -> set[str]:
    """Process variables a model declares: data inputs and outputs, names its scripts assign,
    decision table outputs, multi-instance collections and items, user tasks' outputs, the
    names its service tasks' operators say they return (`hooks.service(returns=…)`).
    `augmented=False`: a name a script only changes (`v += 1`) is not counted: it must exist first."""
    names: set[str] = set()
    io = spec.io_specification
    if io is not None:
        names |= {d.bpmn_id for d in [*io.data_inputs, *io.data_outputs]}
    for ts in spec.task_specs.values():
        for attr in ("script", "prescript", "postscript"):
            names |= _assigned(getattr(ts, attr, None), augmented)
        engine = getattr(ts, "dmnEngine", None)
        if engine is not None:
            names |= {o.name for o in engine.decision_table.outputs if o.name}
        for attr in ("data_input", "data_output", "input_item", "output_item"):
            item = getattr(ts, attr, None)
            if item is not None:
                names.add(item.bpmn_id)
        if isinstance(ts, UserTask):
            names |= {name for name, _ in taskdata.flow_of(ts).outputs}
        if operator := getattr(ts, "operation_name", None):
            names |= set(REGISTRY.service_returns.get(operator, ()))
    return names


def called_outputs(spec: Any, specs: dict[str, Any]) -> set[str]:
    """What the processes a model calls hand back to it: their data outputs."""
    names: set[str] = set()
    for ts in spec.task_specs.values():
        called = specs.get(ts.spec) if isinstance(ts, CallActivity) else None
        if called is not None and called.io_specification is not None:
            names |= {d.bpmn_id for d in called.io_specification.data_outputs}
    return names


def _assigned(source: str | None, augmented: bool = True) -> set[str]:
    if not source:
        return set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()  # reported by the compile check
    changed = set() if augmented else {id(n.target) for n in ast.walk(tree) if isinstance(n, ast.AugAssign)}
    return {n.id for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and id(n) not in changed}
