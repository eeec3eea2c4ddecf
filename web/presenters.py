"""Plain dicts of engine rows for the API and the pages (one place, so both say the same)."""
from __future__ import annotations

from typing import Any

from engine.base.models import AuditEvent, HumanTask, Opinion, ProcessInstance, ProcessModelVersion
from engine.work.inbox import candidates, participants, ready_tasks, timeline

STATUS_LABELS = {"RUNNING": "进行中", "COMPLETED": "已结束", "ERROR": "异常", "CANCELLED": "已取消",
                 "SUSPENDED": "已暂停", "TERMINATED": "已终止", "DELETED": "已删除",
                 "READY": "待办", "CANCELLED_TASK": "已取消"}
ACTION_LABELS = {"start": "发起", "complete": "办理", "auto": "系统处理", "end": "结束", "incident": "异常",
                 "sign": "会签", "return": "退回", "withdraw": "撤回", "reclaim": "拿回", "claim": "认领",
                 "release": "释放", "transfer": "转办", "delegate": "委派", "resolve": "交回",
                 "add_signer": "加签", "remove_signer": "减签", "urge": "催办", "cc": "抄送", "comment": "评论",
                 "handover": "离职转办", "skip": "自动跳过", "resubmit": "直达跳过", "attach": "上传附件",
                 "timer": "定时触发", "timer_void": "定时器作废", "message": "收到消息", "cancel": "终止",
                 "job_retry": "重试后台任务", "job_discard": "丢弃后台任务",
                 "suspend": "暂停", "resume": "恢复", "terminate": "终止", "reassign": "改派",
                 "incident_retry": "重试异常", "delete_draft": "删除草稿",
                 "print": "脚本输出", "migrate": "迁移版本", "move_token": "移动"}
DECISION_LABELS = {"APPROVE": "同意", "RETURN": "退回", "REJECT": "不同意", "PASS": "通过", "REVISE": "修改完善",
                   "SUPPORT": "予以支持", "NOT_SUPPORT": "不予支持"}


def task_json(t: HumanTask) -> dict[str, Any]:
    return {
        "id": str(t.id), "name": t.task_name, "title": t.title, "process_key": t.process_key,
        "instance_id": str(t.instance_id), "instance_title": t.instance_title, "lane": t.lane,
        "form_key": t.form_key, "form_mode": t.form_mode, "business_key": t.business_key,
        "assignee": t.assignee, "status": t.status, "year": t.year, "dept": t.scope_dept,
        "unit": t.scope_unit, "created_at": t.created_at, "due": t.due_at,
        "completed_at": t.completed_at, "completed_by": t.completed_by, "decision": t.decision,
        "priority": t.priority, "owner": t.owner, "delegation": t.delegation, "assigned_via": t.assigned_via,
        "proxy_for": t.proxy_for, "sign_seq": t.sign_seq, "has_draft": t.draft is not None,
    }


OPINION_LABELS = {"submit": "提交", "approve": "同意", "reject": "不同意", "return": "退回", "transfer": "转办",
                  "delegate": "委派", "resolve": "交回", "add_signer": "加签", "remove_signer": "减签",
                  "withdraw": "撤回", "reclaim": "拿回", "urge": "催办", "comment": "评论", "cc": "抄送"}


def opinion_json(o: Opinion) -> dict[str, Any]:
    return {"id": o.id, "action": o.action, "action_label": OPINION_LABELS.get(o.action, o.action),
            "actor": o.actor, "actor_name": o.actor_name, "task": o.task_name, "step": o.step_title,
            "text": o.text, "attachments": o.attachments, "at": o.at}


def event_json(e: AuditEvent) -> dict[str, Any]:
    return {
        "at": e.at, "actor": e.actor, "action": e.action, "action_label": ACTION_LABELS.get(e.action, e.action),
        "task": e.task_name, "title": e.title, "lane": e.lane, "decision": e.decision,
        "decision_label": DECISION_LABELS.get(e.decision or "", e.decision), "comment": e.comment,
        "detail": e.detail,
    }


def instance_json(i: ProcessInstance, with_history: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(i.id), "process_key": i.process_key, "version": i.version, "status": i.status,
        "status_label": STATUS_LABELS.get(i.status, i.status), "business_key": i.business_key,
        "title": i.title, "dept": i.scope_dept, "unit": i.scope_unit, "year": i.year,
        "started_by": i.started_by, "model_version_id": str(i.model_version_id), "started_at": i.started_at, "ended_at": i.ended_at,
        "end_event": i.end_event, "current_steps": i.current_steps, "incident": i.incident,
    }
    if with_history:
        body["ready_tasks"] = [
            {**task_json(t), "candidates": [u.username for u in candidates(t)]} for t in ready_tasks(i.id)
        ]
        body["history"] = [event_json(e) for e in timeline(i.id)]
        body["participants"] = sorted(participants(i.id))
    return body


def version_json(v: ProcessModelVersion) -> dict[str, Any]:
    return {
        "key": v.key, "version": v.version, "name": v.name, "content_hash": v.content_hash,
        "files": sorted(v.files), "forms": sorted(v.forms), "processes": v.processes,
        "deployed_by": v.deployed_by, "deployed_at": v.deployed_at, "warnings": list(v.warnings or []),
    }


DIAGRAM_STATE_LABELS = {"COMPLETED": "已完成", "ACTIVE": "办理中", "WAITING": "等待中", "INCIDENT": "异常"}


def diagram_json(d: Any) -> dict[str, Any]:
    """An instance's diagram (engine.views.diagram.Diagram) for the API and the pages' viewer."""
    def event(e: dict[str, Any]) -> dict[str, Any]:
        return {**e, "action_label": ACTION_LABELS.get(e["action"], e["action"]),
                "decision_label": DECISION_LABELS.get(e["decision"] or "", e["decision"])}

    elements = {e.id: e for e in d.elements}
    rows = [{
        "id": e.id, "state": e.state, "state_label": DIAGRAM_STATE_LABELS.get(e.state or "", "此前经过"), "title": e.title,
        "kind": e.kind, "actors": e.actors, "due_at": e.due_at, "message": e.message,
        "correlation": e.correlation, "incident": e.incident, "child": e.child, "times": e.times,
        "history": [event(h) for h in d.history.get(e.id, [])],
    } for e in elements.values()]
    return {"instance_id": str(d.instance_id), "process_id": d.process_id, "sub": str(d.sub) if d.sub else None,
            "parent_element": d.parent_element, "xml": d.xml, "has_layout": d.has_layout, "elements": rows,
            "flows": d.flows, "incident": d.incident}
