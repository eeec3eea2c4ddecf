"""Our own deployment rules on top of the BPMN schema (../shared/DESIGN.md §2): every user task
names known forms, every script and condition compiles in the sandbox, every service task and
every user task naming a `completionHandler` name a registered handler. What a model drawn
elsewhere leaves out gets a default and a warning (docs/design.md, "Models from other tools"):
a user task without a lane goes to the initiator, without a form it opens the generic approval
form, a lane that is no role code is worked (and a start in it made) by the process administrators."""
from __future__ import annotations

import re
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.base.errors import ElementError
from engine.base.hooks import HANDLER_PROPERTY, REGISTRY
from engine.definitions import steprules
from engine.definitions.properties import (
    DEFAULT_FORM,
    form_keys,
    has_own_form,
    is_role_code,
    names_role,
    properties,
)
from engine.definitions.sandbox import ScriptError, compile_code


def check_specs(specs: dict[str, Any], files_of: dict[str, str], form_defs: dict[str, Any],
                warnings: list[ElementError] | None = None) -> tuple[list[ElementError], set[str]]:
    """Check every task spec of every process; return the errors and the form keys used; the
    defaults a model gets are appended to `warnings`."""
    errors: list[ElementError] = []
    warnings = warnings if warnings is not None else []
    used_forms: set[str] = set()
    for process_id, spec in specs.items():
        file = files_of.get(process_id)
        for ts in spec.task_specs.values():
            element = getattr(ts, "bpmn_id", None)
            if element is None:
                continue  # Spiff's own structural specs (Start, End, [child] wrappers)

            def err(msg: str, _el: str = element, _file: str | None = file) -> None:
                errors.append(ElementError(_file, _el, msg))

            def warn(msg: str, _el: str = element, _file: str | None = file) -> None:
                warnings.append(ElementError(_file, _el, msg))

            if ts.manual:
                used_forms |= _defaults(ts, warn)
            elif isinstance(ts, StartEvent) and ts.lane and not is_role_code(ts.lane):
                warn(f"开始事件所在泳道 “{ts.lane}” 不是角色代码：由流程管理员发起")
            elif isinstance(ts, StartEvent) and ts.lane and not names_role(ts.lane):
                warn(f"开始事件所在泳道 “{ts.lane}” 不是系统中已有的角色：由流程管理员发起")
            if isinstance(ts, UserTask):
                used_forms |= _check_user_task(ts, form_defs, err)
            if isinstance(ts, ServiceTask) and ts.operation_name not in REGISTRY.services:
                err(f"服务任务处理器 “{ts.operation_name}” 未注册")
            for bare_value in _unquoted_timers(ts):
                err(f"定时器表达式是 Python 表达式：ISO 8601 的值须加引号，写作 \"{bare_value}\"")
            for source, mode in _expressions(ts):
                try:
                    compile_code(source, mode)
                except ScriptError as e:
                    err(f"脚本/条件无法编译：{e}（{source[:60]}）")
    return errors, used_forms


def _defaults(ts: Any, warn: Any) -> set[str]:
    """A manual step (user task, manual task, plain task) drawn without a lane or a form."""
    rules = steprules.parse(properties(ts))[0]
    if not ts.lane and not (rules.assignee or rules.sign_mode):
        warn("任务不在泳道中：默认由流程发起人办理（可在模型中加泳道并以角色代码命名）")
    elif ts.lane and not is_role_code(ts.lane) and not (rules.assignee or rules.sign_mode):
        warn(f"泳道 “{ts.lane}” 不是角色代码：该任务由流程管理员办理（可将泳道名改为角色代码）")
    elif ts.lane and not names_role(ts.lane) and not (rules.assignee or rules.sign_mode):
        warn(f"泳道 “{ts.lane}” 不是系统中已有的角色：该任务由流程管理员办理（可将泳道名改为已有的角色代码）")
    if not has_own_form(ts):
        warn(f"任务没有表单（属性 formKey）：默认使用通用审批表单 {DEFAULT_FORM}")
        return {DEFAULT_FORM}
    return set()


def _check_user_task(ts: Any, form_defs: dict[str, Any], err: Any) -> set[str]:
    props = properties(ts)
    keys = form_keys(props.get("formKey"))
    for key in keys:
        if key not in form_defs:
            err(f"未知的表单 “{key}”")
    mode = props.get("formMode")
    if mode:
        for key in keys:
            modes = (form_defs.get(key) or {}).get("modes") or []
            if key in form_defs and mode not in modes:
                err(f"表单 {key} 没有模式 “{mode}”")
    handler = props.get(HANDLER_PROPERTY)
    if handler is not None and handler.strip() not in REGISTRY.task_handlers:
        err(f"完成处理器 “{handler}” 未注册")
    _rules, problems = steprules.parse(props)
    for problem in problems:
        err(problem)
    return set(keys)  # formContext names steps, checked by engine.definitions.dataflow_check


def _expressions(ts: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    script = getattr(ts, "script", None)
    if script:
        found.append((script, "exec"))
    for attr in ("prescript", "postscript"):
        if value := getattr(ts, attr, None):
            found.append((value, "exec"))
    for cond, _target in getattr(ts, "cond_task_specs", []) or []:
        source = getattr(cond, "args", [None])[0] if cond is not None else None
        if isinstance(source, str):  # Spiff wraps a condition in an operator; default flows have none
            found.append((source, "eval"))
    event = getattr(ts, "event_definition", None)
    for part in [event, *getattr(event, "event_definitions", [])]:  # an event-based gateway holds several
        if expr := getattr(part, "expression", None):
            found.append((expr, "eval"))
    if isinstance(ts, UserTask):
        found.extend((e, "eval") for e in steprules.parse(properties(ts))[0].expressions)
    for param in (getattr(ts, "operation_params", None) or {}).values():
        if value := param.get("value"):
            found.append((value, "eval"))
    return found


# R3/PT1H, P2D, PT30M, 2026-01-01T09:00:00: an ISO 8601 value written where Spiff evaluates Python
_ISO_VALUE = re.compile(r"^(R\d*/)?(P(\d+[YMWD])*(T(\d+[HMS])+)?|\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-][\d:]+)?)?)"
                        r"(/P(\d+[YMWD])*(T(\d+[HMS])+)?)?$")


def _unquoted_timers(ts: Any) -> list[str]:
    event = getattr(ts, "event_definition", None)
    found = []
    for part in [event, *getattr(event, "event_definitions", [])]:
        if isinstance(part, TimerEventDefinition) and _ISO_VALUE.match((part.expression or "").strip()):
            found.append(part.expression.strip())
    return found
