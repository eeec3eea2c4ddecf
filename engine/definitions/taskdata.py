"""Task data with namespaces (docs/design.md, "Task data"). What a user task's form submits is kept
under its own key `task.data["_form:<task id>"]`, never merged into the process's names; a
form is prefilled only from its own task's earlier submission and from what the model maps into
it; gateways, rules, scripts and services read the names a task publishes.

Three user-task properties, parsed once per task spec:

- `outputs`: `name` or `name=field`, comma-separated: the submitted `field` is published to the
  process as `name` (a multi-signer step may also publish `sign_result` and `sign_votes`);
- `inputs`: `field=source` or `source`, comma-separated, where a source is `step.field` (that
  user task's latest submission), `step.*` (every field of it this form has) or `name` (a
  process variable); `a|b` takes the first source that has a value;
- `formContext`: the user task(s) (`step` or `step+step`) whose latest submission is shown
  read-only above the form, with their forms.

And one property of a service task: `forgetForms`, comma-separated user tasks whose earlier
submissions the token drops as it passes — a loop's new round (P3's month) opens those forms with
the round's inputs, not last round's answers; a return within the round still finds them.

The key starts with "_": RestrictedPython refuses such names, so no script, condition or DMN cell
can read a submission behind the model's back. One key per step, not one dict of steps: Spiff
merges a multi-instance member's data into its parent with a shallow copy, and a shared dict of
steps would let one member's merge overwrite another member's submission in place."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.definitions.properties import form_keys, properties
from forms import prefill

NAMESPACE = "_form:"  # + the step's BPMN id
FORGET = "forgetForms"  # service-task property: steps whose submissions a new round drops
TASKS, FLAT = "tasks", "flat"  # ProcessModelVersion.data_flow
SIGN_OUTCOME = ("sign_result", "sign_votes")  # what a multi-signer step decides besides its verdict
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_STEP = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class Source:
    step: str | None  # a user task's BPMN id; None: a process variable
    field: str  # "*": every field of the step's submission that the form has


@dataclass(frozen=True)
class Input:
    target: str | None  # the form field filled; None for a "step.*" source
    sources: tuple[Source, ...]  # alternatives, first with a value wins


@dataclass(frozen=True)
class DataFlow:
    inputs: tuple[Input, ...] = ()
    outputs: tuple[tuple[str, str], ...] = ()  # (process variable, submitted field)
    context: tuple[str, ...] = ()  # steps whose submissions are shown read-only


def _items(value: str | None, sep: str = ",") -> list[str]:
    return [v.strip() for v in (value or "").split(sep) if v.strip()]


def _source(text: str, errors: list[str]) -> Source | None:
    step, dot, field = text.partition(".")
    if not dot:
        if not _NAME.match(text):
            errors.append(f"inputs 的来源 “{text}” 须为流程变量名、环节.字段 或 环节.*")
            return None
        return Source(None, text)
    if not _STEP.match(step) or not (field == "*" or _NAME.match(field)):
        errors.append(f"inputs 的来源 “{text}” 须为流程变量名、环节.字段 或 环节.*")
        return None
    return Source(step, field)


def parse(props: dict[str, str]) -> tuple[DataFlow, list[str]]:
    """The data flow of a user task and, for deployment, the Chinese message of every bad entry."""
    errors: list[str] = []
    outputs: list[tuple[str, str]] = []
    for item in _items(props.get("outputs")):
        name, eq, field = (p.strip() for p in item.partition("="))
        field = field if eq else name
        if not (_NAME.match(name) and _NAME.match(field)):
            errors.append(f"outputs 的项 “{item}” 须为 名称 或 名称=字段")
            continue
        outputs.append((name, field))
    inputs: list[Input] = []
    for item in _items(props.get("inputs")):
        target, eq, rest = (p.strip() for p in item.partition("="))
        if not eq:
            target, rest = "", target
        sources = [s for s in (_source(t, errors) for t in _items(rest, "|")) if s is not None]
        if not sources:
            continue
        wildcard = [s for s in sources if s.field == "*"]
        if wildcard and (target or len(wildcard) != len(sources)):
            errors.append(f"inputs 的项 “{item}” 中 环节.* 不能指定目标字段，也不能与单个字段混用")
            continue
        if target and not _NAME.match(target):
            errors.append(f"inputs 的目标字段 “{target}” 不是有效的字段名")
            continue
        inputs.append(Input(target or (None if wildcard else sources[0].field), tuple(sources)))
    context = _items(props.get("formContext"), "+")
    return DataFlow(tuple(inputs), tuple(outputs), tuple(context)), errors


def flow_of(task_spec: Any) -> DataFlow:
    """Parsed once per task spec (specs are cached per model version)."""
    flow = getattr(task_spec, "_perfflow_data_flow", None)
    if flow is None:
        flow = parse(properties(task_spec))[0]
        task_spec._perfflow_data_flow = flow
    return flow


def step_of(task: Any) -> str:
    return task.task_spec.bpmn_id or task.task_spec.name


def submitted(data: dict[str, Any], step: str) -> dict[str, Any] | None:
    """A step's latest submission as this task's data sees it (None: not submitted on this path)."""
    return data.get(NAMESPACE + step)


def record(task: Any, values: dict[str, Any], *, publish_only: bool = False) -> None:
    """Keep `values` as the task's own submission and publish its declared outputs.
    `publish_only`: a step run without a submission (skipped) publishes None for every output."""
    if not publish_only:
        task.data[NAMESPACE + step_of(task)] = dict(values)
    for name, field in flow_of(task.task_spec).outputs:
        task.data[name] = values.get(field)


def forgotten(task_spec: Any) -> list[str]:
    return _items(properties(task_spec).get(FORGET))


def forget(task: Any) -> None:
    """Drop the submissions of the steps the task's `forgetForms` names from the token's data."""
    for step in forgotten(task.task_spec):
        task.data.pop(NAMESPACE + step, None)


def restore(task: Any, values: dict[str, Any]) -> None:
    """Give a step returned to (退回, 撤回, 拿回) its earlier submission back, for editing; its
    outputs are published again only when it is completed again."""
    task.data[NAMESPACE + step_of(task)] = dict(values)


def mapped(data: dict[str, Any], flow: DataFlow, fields: list[str],
           fixed: frozenset[str] = frozenset()) -> dict[str, Any]:
    """What the task's input mapping puts into a form with these top-level fields. Two sources
    of a `fixed` grid (rows neither added nor removed) are laid over each other row by row."""
    out: dict[str, Any] = {}
    for entry in flow.inputs:
        for source in entry.sources:
            if source.step is None:
                if source.field in data:
                    out = overlay(out, {entry.target or source.field: data[source.field]}, fixed)
                    break
                continue
            found = submitted(data, source.step)
            if found is None:
                continue
            if source.field == "*":
                out = overlay(out, {k: v for k, v in found.items() if k in fields}, fixed)
                break
            if source.field in found:
                out = overlay(out, {entry.target or source.field: found[source.field]}, fixed)
                break
    return {k: v for k, v in out.items() if k in fields}


def overlay(base: dict[str, Any], top: dict[str, Any], fixed: frozenset[str]) -> dict[str, Any]:
    """`top` over `base`; a fixed grid present in both with as many rows merges row by row, so
    its read-only columns (which a submission never carries) stay beside the answers."""
    out = dict(base)
    for key, value in top.items():
        old = out.get(key)
        if key in fixed and isinstance(old, list) and isinstance(value, list) and len(old) == len(value) \
                and all(isinstance(r, dict) for r in old + value):
            out[key] = [{**a, **b} for a, b in zip(old, value, strict=True)]
        else:
            out[key] = value
    return out


def fixed_grids(form: Any) -> frozenset[str]:
    return frozenset(f["name"] for f in form.fields if f.get("type") == "list" and f.get("fixed_rows"))


def form_values(form: Any, task: Any) -> dict[str, Any]:
    """The values a task's form opens with: what the model maps into it, overlaid by what this
    same task submitted earlier on this path (a returned or repeated step). Fields marked
    `prefill: false` (a verdict, an opinion) start empty either way."""
    flow = flow_of(task.task_spec)
    own = submitted(task.data, step_of(task)) or {}
    fixed = fixed_grids(form)
    return prefill(form, overlay(mapped(task.data, flow, form.field_names, fixed), own, fixed))


def context_values(task: Any) -> dict[str, Any]:
    """The latest submissions of the steps the task's formContext names, later steps winning."""
    values: dict[str, Any] = {}
    for step in flow_of(task.task_spec).context:
        values.update(submitted(task.data, step) or {})
    return values


def context_props(task: Any, steps: tuple[str, ...]) -> dict[str, Any] | None:
    """formKey/formMode of the context form: the forms of the named steps (found in the task's
    process or a process it is embedded in), shown together with the first step's mode."""
    found = [spec for spec in (find_step(task.workflow, step) for step in steps) if spec is not None]
    keys: list[str] = []
    for spec in found:
        keys += [k for k in form_keys(properties(spec).get("formKey")) if k not in keys]
    if not keys:
        return None
    return {"formKey": "+".join(keys), "formMode": properties(found[0]).get("formMode") or None}


def find_step(workflow: Any, step: str) -> Any | None:
    """The user task spec `step` in this workflow's process or an enclosing embedded one."""
    current = workflow
    while current is not None:
        for spec in current.spec.task_specs.values():
            if getattr(spec, "bpmn_id", None) == step and spec.manual:
                return spec
        parent_id = current.parent_task_id
        parent = current.top_workflow.get_task_from_id(parent_id) if parent_id is not None else None
        current = parent.workflow if parent is not None else None
    return None


def replayable(task: Any) -> dict[str, Any] | None:
    """The submission of a completed task, as its namespace holds it (typed: Decimal, date)."""
    return submitted(task.data, step_of(task))
