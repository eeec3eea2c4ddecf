"""What kind of BPMN element a task spec is, in Chinese: the name a person reads for an element
drawn without one (a script's output in the history, docs/design.md "Models from other tools")."""
from __future__ import annotations

from typing import Any

KIND_NAMES = {  # SpiffWorkflow's spec class names (bpmn and spiff defaults share them)
    "UserTask": "用户任务", "ManualTask": "人工任务", "NoneTask": "任务", "ScriptTask": "脚本任务",
    "ServiceTask": "服务任务", "BusinessRuleTask": "业务规则任务", "SendTask": "发送任务",
    "ReceiveTask": "接收任务", "CallActivity": "调用活动", "SubWorkflowTask": "子流程",
    "TransactionSubprocess": "事务子流程", "EventSubprocess": "事件子流程", "AdHocSubprocess": "自由子流程",
    "StartEvent": "开始事件", "EndEvent": "结束事件", "IntermediateCatchEvent": "中间捕获事件",
    "IntermediateThrowEvent": "中间抛出事件", "BoundaryEvent": "边界事件",
    "ExclusiveGateway": "排他网关", "ParallelGateway": "并行网关", "InclusiveGateway": "包容网关",
    "EventBasedGateway": "事件网关", "ParallelMultiInstanceTask": "并行多实例任务",
    "SequentialMultiInstanceTask": "串行多实例任务", "StandardLoopTask": "循环任务",
}


def kind_name(spec: Any) -> str:
    """The Chinese kind of `spec` (its nearest known class), or 流程元素."""
    for cls in type(spec).__mro__:
        if (name := KIND_NAMES.get(cls.__name__)) is not None:
            return name
    return "流程元素"


def display_name(spec: Any) -> str:
    """The element's name as drawn, or its kind in Chinese when it has none."""
    return (getattr(spec, "bpmn_name", None) or "").strip() or kind_name(spec)
