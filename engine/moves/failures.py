"""SpiffWorkflow's errors while a move runs, said in Chinese with the element they concern: a
multi-instance member without its output item, a data object or data input/output with nothing to
give, a call activity's missing data, a script's error (docs/design.md, "Models from other tools")."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowDataException, WorkflowTaskException


def _element(task: Any) -> str:
    spec = getattr(task, "task_spec", None)
    return str(getattr(spec, "bpmn_id", None) or getattr(spec, "name", "") or "").removesuffix(" [child]")


def _var(spec: Any) -> str:
    return str(getattr(spec, "bpmn_id", None) or getattr(spec, "name", None) or "")


def _data(err: WorkflowDataException) -> str:
    message, task = str(getattr(err, "error_msg", None) or err).strip(), err.task
    element = _element(task)
    if message.startswith("Expected an output item"):
        mi = getattr(getattr(task, "parent", None), "task_spec", None)
        item = _var(getattr(mi, "output_item", None)) or _var(err.data_output)
        return f"多实例任务 “{element}” 的成员没有给出输出项 “{item}”（成员的数据中没有这个变量）"
    if message.startswith("A data object could not be set") or message.startswith("Missing data ouput"):
        name = _var(err.data_output)
        return f"任务 “{element}” 的数据输出 “{name}” 没有值（任务数据中没有变量 {name}）"
    if message.startswith("The data object could not be read") or message.startswith("Missing data input"):
        name = _var(err.data_input)
        return f"任务 “{element}” 的数据输入 “{name}” 没有值（流程中还没有这个数据）"
    if message.startswith("You are missing a required Data Input"):
        return f"调用活动 “{element}” 缺少数据输入 “{_var(err.data_input)}”"
    if message.startswith("The Data Output was not available"):
        return f"调用活动 “{element}” 调用的流程没有给出数据输出 “{_var(err.data_output)}”"
    return f"任务 “{element}” 的数据出错：{message}"


def describe(err: Exception) -> str:
    """What went wrong, for the incident: Chinese first, SpiffWorkflow's own words after."""
    if isinstance(err, WorkflowDataException) and getattr(err, "task", None) is not None:
        return f"{_data(err)}（{str(err).strip()}）"
    text, inner = str(err).strip(), err.__cause__ or err.__context__
    if inner is not None and str(inner) not in text:
        text = f"{text} {type(inner).__name__}: {inner}"
    if isinstance(err, WorkflowTaskException) and getattr(err, "task", None) is not None:
        return f"任务 “{_element(err.task)}” 执行出错：{text}"
    return text
