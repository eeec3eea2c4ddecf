"""The label catalog: what a person reads instead of a code (docs/design.md, "Names, not codes").

One `Labels` per request (on `flask.g`), Chinese unless the person chose English (`?lang=en`,
kept in the session; `?lang=zh` goes back). Fixed vocabularies (roles, statuses, decisions) are
a dict per language here; names that live in the database (process models, departments and units,
people) are read once per request, a table at a time, on first use, so a page of 100 rows costs
one query per kind, not one per row. The API keeps codes; it adds `*_name` fields from here.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import has_request_context, request, session
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from budget.calc.status import STATUS_LABELS as LIBRARY_STATUS_ZH
from budget.models.org import Department, FinanceDivision, Jurisdiction
from budget.models.parties import ThirdPartyOrg
from budget.shared import monitoring_names as monitoring_zh
from engine.base.db import db
from engine.base.identity import User
from engine.base.models import ProcessModelVersion
from engine.definitions import specs
from engine.definitions.element_kinds import display_name

LANGS = ("zh", "en")

ROLES = {
    "zh": {
        "UNIT_FILER": "项目单位经办人", "UNIT_HEAD": "项目单位负责人", "DEPT_OFFICER": "主管部门绩效管理员",
        "DEPT_HEAD": "主管部门负责人", "FIN_FUND": "财政资金管理处", "FIN_BUDGET": "财政预算处",
        "FIN_PERF": "财政预算绩效管理处", "FIN_CENTER": "财政绩效评价中心", "FIN_TREASURY": "财政国库处",
        "FIN_LEADER": "财政局领导", "THIRD_PARTY": "第三方机构", "TP_LEAD": "第三方主评人", "EXPERT": "评审专家",
        "OBS_NPC": "人大观察员", "OBS_AUDIT": "审计观察员", "OBS_OTHER": "纪检监察观察员",
        "SYS_ADMIN": "系统管理员", "PROCESS_ADMIN": "流程管理员",
    },
    "en": {
        "UNIT_FILER": "Project-unit officer", "UNIT_HEAD": "Unit head", "DEPT_OFFICER": "Department performance officer",
        "DEPT_HEAD": "Department head", "FIN_FUND": "Finance fund-management division",
        "FIN_BUDGET": "Finance budget division", "FIN_PERF": "Finance performance division",
        "FIN_CENTER": "Performance evaluation centre", "FIN_TREASURY": "Treasury division",
        "FIN_LEADER": "Finance leadership", "THIRD_PARTY": "Third-party firm", "TP_LEAD": "Lead evaluator",
        "EXPERT": "Expert reviewer", "OBS_NPC": "People's Congress observer", "OBS_AUDIT": "Audit observer",
        "OBS_OTHER": "Oversight observer", "SYS_ADMIN": "System administrator", "PROCESS_ADMIN": "Process administrator",
    },
}

# Statuses by what they are the status of: the same word means different things (a task's
# COMPLETED is 已办理, an instance's 已结束).
STATUSES: dict[str, dict[str, dict[str, str]]] = {
    "zh": {
        "instance": {"RUNNING": "进行中", "COMPLETED": "已结束", "ERROR": "异常", "CANCELLED": "已取消",
                     "SUSPENDED": "已暂停", "TERMINATED": "已终止", "DELETED": "已删除"},
        "task": {"READY": "待办", "WAITING": "等待中", "COMPLETED": "已办理", "CANCELLED": "已取消"},
        "signer": {"READY": "待签", "WAITING": "等待中", "COMPLETED": "已签", "CANCELLED": "已取消"},
        "library": dict(LIBRARY_STATUS_ZH),
        "decision": {"APPROVE": "同意", "RETURN": "退回", "REJECT": "不同意", "PASS": "通过", "REVISE": "修改完善",
                     "SUPPORT": "予以支持", "NOT_SUPPORT": "不予支持"},
        "job": {"PENDING": "待执行", "DONE": "已完成", "FAILED": "失败", "DISCARDED": "已丢弃", "WAITING": "等待中",
                "DUE": "已到期，待执行", "EXPIRED": "已过期"},
        "delivery": {"PENDING": "发送中", "SENT": "已发送", "FAILED": "失败"},
        "project_kind": {"NEW": "新增", "CONTINUING": "延续"},
        "execution_import": {"QUEUED": "排队检查", "CHECKING": "检查中", "IMPORTING": "写入中", "DONE": "已导入",
                             "REJECTED": "未导入（有错误）", "FAILED": "导入失败"},
        "execution_source": {"EXCEL": "Excel 导入", "API": "接口", "MANUAL": "手工", "DEMO": "示例数据"},
        # the execution year (DT-06 reasons, DT-07 suggestions, responses; budget.monitoring_views.vocab)
        "warning_level": dict(monitoring_zh.LEVEL_ZH), "warning_reason": dict(monitoring_zh.REASON_ZH),
        "suggestion": dict(monitoring_zh.SUGGESTION_ZH), "warning_response": dict(monitoring_zh.RESPONSE_ZH),
        "response_state": dict(monitoring_zh.RESPONSE_STATE_ZH), "possibility": dict(monitoring_zh.POSSIBILITY_ZH),
        "deviation_cause": dict(monitoring_zh.CAUSE_ZH),
    },
    "en": {
        "instance": {"RUNNING": "Running", "COMPLETED": "Completed", "ERROR": "Error", "CANCELLED": "Cancelled",
                     "SUSPENDED": "Suspended", "TERMINATED": "Terminated", "DELETED": "Deleted"},
        "task": {"READY": "To do", "WAITING": "Waiting", "COMPLETED": "Done", "CANCELLED": "Cancelled"},
        "signer": {"READY": "To sign", "WAITING": "Waiting", "COMPLETED": "Signed", "CANCELLED": "Cancelled"},
        "library": {"DRAFT": "Draft", "SUBMITTED": "Submitted", "DEPT_APPROVED": "Approved by department",
                    "EXANTE": "Ex-ante assessment", "NOT_ADMITTED": "Not admitted", "IN_LIBRARY": "In library (reserve)",
                    "ACTIVE": "Active", "COMPLETED": "Completed", "CANCELLED": "Cancelled", "WITHDRAWN": "Withdrawn"},
        "decision": {"APPROVE": "Approve", "RETURN": "Return", "REJECT": "Reject", "PASS": "Pass", "REVISE": "Revise",
                     "SUPPORT": "Support", "NOT_SUPPORT": "Do not support"},
        "job": {"PENDING": "Pending", "DONE": "Done", "FAILED": "Failed", "DISCARDED": "Discarded", "WAITING": "Waiting",
                "DUE": "Due", "EXPIRED": "Expired"},
        "delivery": {"PENDING": "Sending", "SENT": "Sent", "FAILED": "Failed"},
        "project_kind": {"NEW": "New", "CONTINUING": "Continuing"},
        "execution_import": {"QUEUED": "Queued", "CHECKING": "Checking", "IMPORTING": "Writing", "DONE": "Imported",
                             "REJECTED": "Rejected (errors)", "FAILED": "Failed"},
        "execution_source": {"EXCEL": "Excel", "API": "API", "MANUAL": "Manual", "DEMO": "Demo"},
        "warning_level": {"RED": "Red warning", "YELLOW": "Yellow warning", "GREEN": "On track"},
        "warning_reason": {
            "SD_KEY_40PP": "Major project ≥ 40 points behind (key monitoring)",
            "TARGET_IMPOSSIBLE": "Target cannot be met", "YEAR_END_RISK": "Below 50 % from October (year-end risk)",
            "LAG_30": "≥ 30 points behind time", "COST_OVERRUN_20": "Cost overrun above 20 %",
            "TARGET_AT_RISK": "Target may not be met", "LAG_15": "≥ 15 points behind time",
            "COST_OVERRUN_10": "Cost overrun above 10 %", "OK": "On track"},
        "suggestion": {
            "KEY_MONITORING": "Key monitoring (finance or third-party tracking)",
            "PROPOSE_RECOVER_OR_REALLOCATE": "Propose recovery or reallocation",
            "PROPOSE_PAYMENT_HOLD": "Propose a payment hold", "REQUIRE_CORRECTIVE_PLAN": "Require a corrective plan",
            "REQUIRE_EXPLANATION": "Require an explanation within 5 working days", "NONE": "None"},
        "warning_response": {
            "EXPLAINED": "Explained by the unit", "CORRECTIVE_PLAN": "Corrective plan submitted",
            "PAYMENT_HOLD": "Payment hold", "REALLOCATE": "Reallocate", "RECOVER": "Recover",
            "TARGET_ADJUST": "Adjust target", "WATCH": "Keep watching", "START_RECTIFICATION": "Start rectification"},
        "response_state": {"OPEN": "Awaiting response", "OVERDUE": "Response overdue", "CLOSED": "Closed"},
        "possibility": {"CERTAIN": "Certain", "POSSIBLE": "Possible", "IMPOSSIBLE": "Impossible"},
        "deviation_cause": {"FUNDING": "Funding", "INSTITUTION": "Rules", "STAFF": "Staff", "HARDWARE": "Facilities",
                            "OTHER": "Other"},
    },
}

# Background queues and job kinds (the 任务队列 page).
QUEUES = {"zh": {"default": "常规", "timers": "定时器", "notify": "通知"},
          "en": {"default": "General", "timers": "Timers", "notify": "Notifications"}}
JOB_KINDS = {
    "zh": {"service.run": "后台服务", "timer.fire": "定时触发", "message.deliver": "消息投递",
           "notify.deliver": "通知发送", "reminder.send": "到期提醒"},
    "en": {"service.run": "Service task", "timer.fire": "Timer", "message.deliver": "Message delivery",
           "notify.deliver": "Notification delivery", "reminder.send": "Reminder"},
}
SYSTEM = {"zh": "系统", "en": "System"}
# Org codes that are not rows of an org table.
OTHER_ORGS = {"zh": {"EXPERT-POOL": "专家库"}, "en": {"EXPERT-POOL": "Expert pool"}}


def current_lang() -> str:
    """`?lang=en|zh` chooses and is remembered in the session; Chinese otherwise."""
    if not has_request_context():
        return "zh"
    asked = request.args.get("lang")
    if asked in LANGS:
        session["lang"] = asked
        return asked
    kept = session.get("lang")
    return kept if kept in LANGS else "zh"


class Labels:
    """Names for codes, in one language, loaded lazily and kept for the life of the object."""

    def __init__(self, lang: str = "zh") -> None:
        self.lang = lang if lang in LANGS else "zh"
        self._processes: dict[str, tuple[str, uuid.UUID]] | None = None
        self._orgs: dict[str, str] | None = None
        self._people: dict[str, str] = {}
        self._departments: list[tuple[str, str]] | None = None
        self._parents: dict[str, str] = {}

    # fixed vocabularies -------------------------------------------------------------------
    def role(self, code: str | None) -> str:
        return ROLES[self.lang].get(code or "", code or "")

    def roles(self, codes: Iterable[str]) -> str:
        return "、".join(self.role(c) for c in codes)

    def status(self, code: str | None, kind: str = "instance") -> str:
        return STATUSES[self.lang].get(kind, {}).get(code or "", code or "")

    def decision(self, code: str | None) -> str:
        return self.status(code, "decision")

    @staticmethod
    def this_year() -> int:
        return date.today().year

    def queue(self, name: str | None) -> str:
        return QUEUES[self.lang].get(name or "", name or "")

    def job_kind(self, kind: str | None) -> str:
        return JOB_KINDS[self.lang].get(kind or "", kind or "")

    # process models and their elements -----------------------------------------------------
    def _models(self) -> dict[str, tuple[str, uuid.UUID]]:
        """key → (name, id) of its newest version: one small query (no model files)."""
        if self._processes is None:
            newest = (select(ProcessModelVersion.key, func.max(ProcessModelVersion.version).label("v"))
                      .group_by(ProcessModelVersion.key).subquery())
            rows = db.session.execute(select(ProcessModelVersion.key, ProcessModelVersion.name, ProcessModelVersion.id)
                                      .join(newest, (newest.c.key == ProcessModelVersion.key)
                                            & (newest.c.v == ProcessModelVersion.version)))
            self._processes = {key: (name or key, ident) for key, name, ident in rows}
        return self._processes

    def process(self, key: str | None) -> str:
        if not key:
            return ""
        found = self._models().get(key)
        return found[0] if found else key

    def processes(self) -> list[tuple[str, str]]:
        """(key, name) of every deployed model, by name: a filter's choices."""
        return sorted(((k, n) for k, (n, _) in self._models().items()), key=lambda kn: (kn[1], kn[0]))

    def element(self, process_key: str | None, element_id: str | None, version_id: Any = None) -> str:
        """A BPMN element's name (a step, an end event) from the deployed spec; unnamed, its kind in
        Chinese (结束事件); the id only when no deployed spec knows it."""
        if not element_id:
            return ""
        if version_id is None:
            found = self._models().get(process_key or "")
            version_id = found[1] if found else None
        if version_id is None:
            return element_id
        loaded = specs.load_by_id(version_id)
        for spec in (loaded.spec, *loaded.subprocess_specs.values()):
            task_spec = spec.task_specs.get(element_id)
            if task_spec is not None:
                return display_name(task_spec)
        return element_id

    # organisations and people ----------------------------------------------------------------
    def _org_names(self) -> dict[str, str]:
        if self._orgs is None:
            names = dict(OTHER_ORGS[self.lang])
            for model in (Jurisdiction, FinanceDivision, ThirdPartyOrg):
                names.update(db.session.execute(select(model.code, model.name)).tuples().all())
            parent = aliased(Department)
            rows = db.session.execute(select(Department.code, Department.name, parent.code)
                                      .outerjoin(parent, Department.parent_id == parent.id)).tuples().all()
            names.update((code, name) for code, name, _ in rows)
            self._parents = {code: up for code, _, up in rows if up}
            self._orgs = names
        return self._orgs

    def department_of(self, code: str | None) -> str | None:
        """A unit's department (its parent record); a department or any other org is its own. A
        code without a record follows the code convention (D01-U02 → D01)."""
        if not code:
            return None
        known = self._org_names()
        if code in self._parents:
            return self._parents[code]
        if code not in known and re.fullmatch(r"D\d+-U\d+", code):
            return code.split("-", 1)[0]
        return code

    def departments(self) -> list[tuple[str, str]]:
        """(code, name) of the competent departments (主管部门), by code: a filter's choices."""
        if self._departments is None:
            self._departments = list(db.session.execute(
                select(Department.code, Department.name).where(Department.kind == "DEPARTMENT")
                .order_by(Department.code)).tuples().all())
        return self._departments

    def org(self, code: str | None) -> str:
        """A department, unit, finance division or firm by its code."""
        return self._org_names().get(code or "", code or "")

    def org_or_blank(self, code: str | None) -> str:
        """The org's name, or "" when no org record has this code (never a bare code)."""
        return self._org_names().get(code or "", "")

    def scope(self, dept: str | None, unit: str | None) -> str:
        """部门/单位 of a row: the unit's name (it names its department), else the department's."""
        return self.org(unit) if unit else self.org(dept)

    def _person_names(self) -> dict[str, str]:
        """Every person's name, in one query on first use: a page names many people (timeline,
        candidates, signers) and a city's directory is a few thousand short rows."""
        if not self._people:
            self._people = {u: n or u for u, n in db.session.execute(select(User.username, User.name))}
        return self._people

    def person(self, username: str | None) -> str:
        if not username:
            return ""
        if username == "system":
            return SYSTEM[self.lang]
        return self._person_names().get(username, username)

    def people(self, usernames: Iterable[str | None]) -> str:
        return "、".join(self.person(u) for u in usernames if u)


def labels() -> Labels:
    """This request's catalog (a fresh one outside requests: workers, notification texts)."""
    if not has_request_context():
        return Labels()
    # on the request, not `g`: tests share one app context across many requests
    found = getattr(request, "_labels", None)
    if found is None:
        found = Labels(current_lang())
        request._labels = found  # type: ignore[attr-defined]
    return found
