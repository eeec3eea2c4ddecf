"""What `GET /api/v1/instances/{id}/diagram` takes and returns (web.presenters.diagram_json)."""
from __future__ import annotations

from marshmallow import Schema, fields

from web.api.schemas import _names, _obj, _s, _when, always
from web.inputs import Input, Line

STATES = ["COMPLETED", "ACTIVE", "WAITING", "INCIDENT"]


class DiagramQuery(Input):
    sub = Line(metadata={"description": "调用活动的引擎任务 id（元素的 child）：返回该子流程的流程图"})


@always
class DiagramEvent(Schema):
    at = _when()
    actor = _s(metadata={"description": "用户名；system 为系统"})
    actor_name = fields.String(metadata={"description": "姓名（系统处理为“系统”）"})
    action = fields.String()
    action_label = fields.String()
    title = _s()
    decision = _s()
    decision_label = _s()
    comment = _s(metadata={"description": "意见"})


@always
class DiagramElement(Schema):
    id = fields.String(metadata={"description": "BPMN 元素 id"})
    state = fields.String(allow_none=True, metadata={
        "enum": [*STATES, None], "description": "null：本轮未经过，只在此前（退回前）的轮次办理过，见 history"})
    state_label = fields.String()
    title = fields.String()
    kind = fields.String(metadata={"description": "元素类型，如 userTask、timerBoundaryEvent"})
    actors = _names()
    due_at = _when(metadata={"description": "等待中的定时器：到期时间；办理中的步骤：截止时间"})
    message = _s(metadata={"description": "等待中的消息"})
    correlation = _obj(metadata={"description": "等待中消息的关联键"})
    incident = _s()
    child = _s(metadata={"description": "调用活动：子流程（引擎任务 id，作为 sub 查询）"})
    times = fields.Integer(metadata={"description": "任务树中的完成次数（退回重办前的轮次只在办理记录中）"})
    history = fields.List(fields.Nested(DiagramEvent))


@always
class InstanceDiagram(Schema):
    instance_id = fields.String()
    process_id = fields.String()
    sub = _s()
    parent_element = _s(metadata={"description": "子流程：父流程中调用它的元素"})
    xml = fields.String(metadata={"description": "BPMN 2.0 XML（含该流程的文件）"})
    has_layout = fields.Boolean(metadata={"description": "文件含流程图布局（BPMN DI）；否则由浏览器自动布局"})
    elements = fields.List(fields.Nested(DiagramElement))
    flows = _names()
    incident = _s()
