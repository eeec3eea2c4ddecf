"""What the model editor's properties panel offers (issue 13 point 2, GET
/admin/models/catalogue.json): roles, forms, handlers, operators, decisions, task properties and
step rules, each by its Chinese name (docs/design.md, "Model editor (issue 13)")."""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from engine.base.db import db
from engine.base.decision_models import DecisionTableVersion
from engine.base.hooks import REGISTRY
from engine.definitions import steprules, xmlsafe
from engine.definitions.forms_catalog import definitions
from web.handler_labels import HANDLER_LABELS
from web.labels import ROLES
from web.presenters import DECISION_LABELS

MODE_NAMES = {
    "edit": "填报", "review": "审核", "confirm": "确认", "signoff": "负责人签批", "dept": "主管部门审核",
    "fund": "资金管理处审核", "third_party": "第三方评审", "expert": "专家评审", "adjust": "调整", "assess": "评估",
    "scope": "确定评估范围", "chair": "组长汇总", "desk": "书面审核", "schedule": "安排日程", "onsite": "现场核查",
    "finance_fix": "财政修正", "finance": "财政审核", "explain": "情况说明", "corrective": "整改措施",
    "rect_explain": "整改说明", "notice": "整改通知", "interview": "约谈", "plan": "整改计划", "track": "跟踪",
    "select": "选择机构", "accept": "验收",
}

# The user task's PerfFlow properties besides the step rules (docs/design.md, "BPMN conventions").
TASK_PROPERTIES = [
    {"name": "formKey", "label": "表单", "kind": "form", "help": "用 + 连接多张表单，如 F-01+F-02"},
    {"name": "formMode", "label": "表单模式", "kind": "choice", "help": "表单定义中的模式，决定可填写的字段"},
    {"name": "formContext", "label": "显示前序步骤", "kind": "steps", "help": "只读显示的前序用户任务（多个以 + 连接）"},
    {"name": "verdicts", "label": "可选结论", "kind": "multichoice", "help": "缩小表单结论字段的选项"},
    {"name": "inputs", "label": "输入映射", "kind": "text", "help": "步骤读取的数据：字段=来源（来源写作 步骤.字段），逗号分隔"},
    {"name": "outputs", "label": "输出映射", "kind": "text", "help": "步骤发布给后续的数据：名称=字段，逗号分隔"},
    {"name": "completionHandler", "label": "完成处理器", "kind": "handler", "help": "任务完成时写入业务记录的处理器"},
]

SIGN_MODES = {"ALL": "会签（全部同意）", "ANY": "或签（一人同意即可）", "SEQUENTIAL": "依次审批", "RATIO": "票签（按比例）"}
RESUBMIT_LABELS = {"CHOOSE": "由退回人选择", "RERUN": "逐级重新审批", "JUMP_BACK": "直达退回人"}
_CHOICES_SIGN = [{"value": v, "label": SIGN_MODES[v]} for v in steprules.SIGN_MODES]
_CHOICES_NO_CANDIDATE = [{"value": v, "label": label} for v, label in
                         zip(steprules.NO_CANDIDATE, ("转流程管理员", "跳过该步骤", "报错（事件）"), strict=True)]
_CHOICES_RESUBMIT = [{"value": v, "label": RESUBMIT_LABELS[v]} for v in steprules.RESUBMIT]
_VERDICT_CHOICES = [{"value": v, "label": label} for v, label in DECISION_LABELS.items()]

STEP_RULES = [
    {"name": "assignee", "label": "办理人", "kind": "expression", "default": None,
     "help": "表达式，结果为用户名；不填则按泳道角色"},
    {"name": "signers", "label": "会签人", "kind": "expression", "default": None,
     "help": "表达式，结果为用户名列表；与会签方式一起使用"},
    {"name": "multiSign", "label": "会签方式", "kind": "choice", "choices": _CHOICES_SIGN, "default": None,
     "help": "多人办理时如何得出结论"},
    {"name": "passRatio", "label": "通过比例", "kind": "text", "default": None, "help": "票签的通过比例，如 2/3"},
    {"name": "rejectRule", "label": "否决规则", "kind": "choice", "default": "VETO", "help": "会签中有人不同意时",
     "choices": [{"value": "VETO", "label": "一票否决"}, {"value": "COUNT", "label": "按票数计"}]},
    {"name": "dueIn", "label": "办理时限", "kind": "duration", "default": None,
     "help": "ISO 8601 时长（P5D、PT4H）或工作日数（5WD）"},
    {"name": "dueAt", "label": "截止时间", "kind": "expression", "default": None,
     "help": "表达式，结果为截止日期或时间；与办理时限只能选一"},
    {"name": "priority", "label": "优先级", "kind": "choice", "default": "0", "help": "待办列表中的紧急程度",
     "choices": [{"value": "0", "label": "普通"}, {"value": "1", "label": "紧急"}, {"value": "2", "label": "特急"}]},
    {"name": "returnTo", "label": "可退回到", "kind": "steps", "default": "any",
     "help": "any（任一前序步骤）、previous、initiator、none 或步骤 id，逗号分隔"},
    {"name": "resubmit", "label": "退回后重新提交", "kind": "choice", "choices": _CHOICES_RESUBMIT, "default": "CHOOSE",
     "help": "被退回的步骤重新提交后走向"},
    {"name": "opinionRequired", "label": "须填意见的结论", "kind": "multichoice", "choices": _VERDICT_CHOICES,
     "default": "RETURN,REJECT,NOT_SUPPORT", "help": "选这些结论时必须填写意见"},
    {"name": "batchApprove", "label": "允许批量审批", "kind": "bool", "default": "false", "help": "待办列表中可一次同意多项"},
    {"name": "reclaimable", "label": "允许拿回", "kind": "bool", "default": "true", "help": "提交后下一步未办理前可拿回"},
    {"name": "ccTo", "label": "抄送", "kind": "expression", "default": None, "help": "表达式，结果为用户名列表；步骤完成时抄送"},
    {"name": "separateFrom", "label": "不得与其同一人", "kind": "steps", "default": None,
     "help": "步骤 id、initiator（发起人）或 previous（上一步），逗号分隔"},
    {"name": "noCandidate", "label": "无办理人时", "kind": "choice", "choices": _CHOICES_NO_CANDIDATE, "default": "ADMIN",
     "help": "没有符合条件的办理人时的处理"},
]


def catalogue() -> dict[str, Any]:
    return {"roles": [{"code": code, "name": name} for code, name in ROLES["zh"].items()],
            "forms": [_form(d) for d in definitions().values()],
            "handlers": [{"name": name, "label": _label(name, h.complete)}
                         for name, h in sorted(REGISTRY.task_handlers.items())],
            "operators": [_operator(name, fn) for name, fn in sorted(REGISTRY.services.items())],
            "decisions": decisions(),
            "task_properties": TASK_PROPERTIES,
            "step_rules": STEP_RULES}


def _form(doc: dict[str, Any]) -> dict[str, Any]:
    verdict_field = next((f for f in doc["fields"] if f.get("context_choices") == "verdicts"), None)
    return {"key": doc["key"], "name": doc["title"],
            "modes": [{"code": m, "name": MODE_NAMES.get(m, m)} for m in doc.get("modes") or []],
            "verdicts": [{"code": c["value"], "name": c["label"]} for c in (verdict_field or {}).get("choices", [])],
            "fields": [{"name": f["name"], "label": f.get("label", f["name"]), "type": f["type"],
                        "required": bool(f.get("required"))} for f in doc["fields"]],
            "preview_url": url_for("admin.form_preview", key=doc["key"])}


def _label(name: str, fn: Any) -> str:
    if name in HANDLER_LABELS:
        return HANDLER_LABELS[name]
    doc = inspect.getdoc(fn)
    return doc.splitlines()[0] if doc else name


def _operator(name: str, fn: Any) -> dict[str, Any]:
    """The operator's parameters from its signature after the context, each with the Chinese label it
    was registered with (`hooks.service(params=…)`; the name when it has none); an operator taking
    `**kwargs` also lists the extra parameters it labelled, as optional."""
    labels = REGISTRY.service_params.get(name, {})
    params = list(inspect.signature(fn).parameters.values())[1:]  # the first is the ServiceContext
    declared = [p for p in params if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)]
    shown = [{"id": p.name, "type": _type_name(p.annotation), "required": p.default is inspect.Parameter.empty,
              "label": labels.get(p.name) or p.name} for p in declared]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        known = {p.name for p in declared}
        shown += [{"id": extra, "type": "any", "required": False, "label": label}
                  for extra, label in labels.items() if extra not in known]
    return {"name": name, "label": _label(name, fn), "parameters": shown}


def _type_name(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return "any"
    return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))


def decisions() -> list[dict[str, Any]]:
    """The shipped DMN tables and every table registered since (the newest version's names)."""
    found: dict[str, str] = {}
    for path in sorted(Path(current_app.config["WORKFLOWS_DIR"]).rglob("*.dmn")):
        found.setdefault(path.stem, path.read_text(encoding="utf-8"))
    rows = db.session.execute(select(DecisionTableVersion.decision_id, DecisionTableVersion.content)
                              .order_by(DecisionTableVersion.decision_id, DecisionTableVersion.version.desc())
                              .distinct(DecisionTableVersion.decision_id)).all()
    tables = {}
    for content in [*found.values(), *(c for _, c in rows)]:
        if (table := _decision(content)) is not None:
            tables[table["id"]] = table
    return sorted(tables.values(), key=lambda t: t["id"])


def _decision(content: str) -> dict[str, Any] | None:
    try:
        root = xmlsafe.parse(content.encode("utf-8"))
    except xmlsafe.UnsafeXml:
        return None
    decision = root.find("{*}decision")
    if decision is None:
        return None
    table = decision.find("{*}decisionTable")
    inputs = [] if table is None else [
        i.get("label") or "".join(i.find("{*}inputExpression").itertext()).strip() if i.find("{*}inputExpression")
        is not None else i.get("label") or i.get("id") for i in table.iterfind("{*}input")]
    outputs = [] if table is None else [o.get("label") or o.get("name") or o.get("id")
                                        for o in table.iterfind("{*}output")]
    return {"id": decision.get("id"), "name": decision.get("name") or decision.get("id"),
            "inputs": inputs, "outputs": outputs}





# What a compared property is called (engine.views.model_compare names them by their XML).
_COMPARED = {
    "type": "元素类型", "name": "名称", "lane": "泳道（角色）", "script": "脚本", "condition": "条件",
    "operator": "服务处理器", "calledDecisionId": "决策表", "calledElement": "被调用流程", "preScript": "前置脚本",
    "postScript": "后置脚本", "default": "默认流", "sourceRef": "起点", "targetRef": "终点", "attachedToRef": "附着于",
    "cancelActivity": "中断任务", "event": "事件类型", "loop": "多实例", "documentation": "说明",
    "messagePayload": "消息内容", "messageVariable": "消息变量", "resultVariable": "结果变量",
    "isExecutable": "可执行", "instructionsForEndUser": "办理说明",
}
_EVENT_PARTS = {"timeDate": "定时（日期）", "timeDuration": "定时（时长）", "timeCycle": "定时（周期）",
                "messageRef": "消息", "signalRef": "信号", "errorRef": "错误", "escalationRef": "升级",
                "condition": "条件"}


def property_label(key: str) -> str:
    """A compared property's Chinese name; a PerfFlow property by the panel's label."""
    if key.startswith("property:"):
        name = key.split(":", 1)[1]
        known = {p["name"]: p["label"] for p in [*TASK_PROPERTIES, *STEP_RULES]}
        return f"{known[name]}（{name}）" if name in known else f"属性 {name}"
    if key.startswith("parameter:"):
        return f"参数 {key.split(':', 1)[1]}"
    if key.startswith("event:"):
        part = key.split(":", 1)[1]
        return _EVENT_PARTS.get(part, f"事件 {part}")
    if key.startswith("loop:"):
        return f"多实例 {key.split(':', 1)[1]}"
    return _COMPARED.get(key, key)
