"""The header navigation, by role: the daily work as links, the rest in a few menus (监管, 台账,
业务, 管理) so that a finance-bureau user with fifteen destinations still reads one line at 1366 px.
A menu with a single entry is shown as a plain link."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from budget.execution import may_write as may_write_execution
from budget.rect_sources.registration import may_register as may_register_sources
from engine.views.queue_view import may_view as may_view_queue
from engine.work.access import SUPERVISOR_ROLES, is_admin
from web.pages.ledgers import may_view as may_view_ledger
from web.pages.monitoring import may_view as may_view_monitoring


@dataclass
class NavEntry:
    label: str
    endpoint: str | None = None  # a link; None for a menu
    children: list[tuple[str, str]] = field(default_factory=list)  # (endpoint, label) of a menu

    @property
    def endpoints(self) -> list[str]:
        return [self.endpoint] if self.endpoint else [e for e, _ in self.children]


def _menu(label: str, children: list[tuple[str, str]]) -> list[NavEntry]:
    if not children:
        return []
    if len(children) == 1:
        endpoint, only = children[0]
        return [NavEntry(only, endpoint)]
    return [NavEntry(label, None, children)]


def nav_items(user: Any) -> list[NavEntry]:
    items = [NavEntry("待办", "inbox.todo"), NavEntry("已办", "inbox.done"), NavEntry("我发起的", "inbox.started"),
             NavEntry("抄送我的", "mail.cc_inbox"), NavEntry("通知", "mail.notifications")]
    roles = user.role_codes()
    watch: list[tuple[str, str]] = []
    if roles & (SUPERVISOR_ROLES | {"FIN_FUND", "DEPT_OFFICER", "DEPT_HEAD"}):
        watch += [("supervision.instances", "流程监管"), ("supervision.projects", "项目库")]
    if may_view_monitoring(user):
        watch += [("monitoring.warnings", "预警看板"), ("monitoring.double", "双监控")]
    ledgers = [(f"ledgers.{ledger}", title) for ledger, title in
               (("work", "工作台账"), ("overdue", "逾期清单"), ("rectification", "整改台账")) if may_view_ledger(user, ledger)]
    business: list[tuple[str, str]] = []
    if roles & {"FIN_BUDGET", "FIN_PERF"} or is_admin(user):
        business.append(("budget_year.index", "预算年度"))
    if may_write_execution(user):
        business.append(("execution.index", "执行数据"))
    if roles & {"FIN_TREASURY", "FIN_FUND"}:
        business.append(("treasury.index", "暂缓拨款"))
    elif "FIN_BUDGET" in roles:
        business.append(("treasury.index", "预算调整申请"))
    if may_register_sources(user):
        business.append(("rect_sources.index", "整改来源登记"))
    admin: list[tuple[str, str]] = []
    if is_admin(user):
        admin += [("admin.models", "模型管理"), ("holidays.index", "工作日历"), ("rules.index", "决策表与规则")]
    if may_view_queue(user):  # system and process administrators
        admin.append(("queue_admin.index", "任务队列"))
    return [*items, *_menu("监管", watch), *_menu("台账", ledgers), *_menu("业务", business), *_menu("管理", admin)]
