"""The header navigation, by role."""
from __future__ import annotations

from typing import Any

from budget.execution import may_write as may_write_execution
from budget.rect_sources.registration import may_register as may_register_sources
from engine.views.queue_view import may_view as may_view_queue
from engine.work.access import SUPERVISOR_ROLES, is_admin
from web.pages.monitoring import may_view as may_view_monitoring


def nav_items(user: Any) -> list[tuple[str, str]]:
    items = [("inbox.todo", "待办"), ("inbox.done", "已办"), ("inbox.started", "我发起的"), ("mail.cc_inbox", "抄送我的"),
             ("mail.notifications", "通知")]
    roles = user.role_codes()
    if roles & (SUPERVISOR_ROLES | {"FIN_FUND", "DEPT_OFFICER", "DEPT_HEAD"}):
        items += [("supervision.instances", "流程监管"), ("supervision.projects", "项目库")]
    if may_view_monitoring(user):
        items += [("monitoring.warnings", "预警看板"), ("monitoring.double", "双监控")]
    if roles & {"FIN_BUDGET", "FIN_PERF"} or is_admin(user):
        items.append(("budget_year.index", "预算年度"))
    if may_write_execution(user):
        items.append(("execution.index", "执行数据"))
    if roles & {"FIN_TREASURY", "FIN_FUND"}:
        items.append(("treasury.index", "暂缓拨款"))
    elif "FIN_BUDGET" in roles:
        items.append(("treasury.index", "预算调整申请"))
    if may_register_sources(user):
        items.append(("rect_sources.index", "整改来源登记"))
    if is_admin(user):
        items.append(("admin.models", "模型管理"))
        items.append(("holidays.index", "工作日历"))
        items.append(("rules.index", "决策表与规则"))
    if may_view_queue(user):  # system and process administrators
        items.append(("queue_admin.index", "任务队列"))
    return items
