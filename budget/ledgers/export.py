"""The ledgers as .xlsx (openpyxl write-only: rows stream, memory stays flat): V-02 and V-04 with
their page's columns, V-10 as X-05 整改台账 (views.md §7.2: case, issue, owner, deadline, status,
verification result, 销号 date; 项目 and 主管部门 after the case, as X-03 adds 主管部门, since one
list spans departments). One row per issue; a case without issues has one row."""
from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import select

from budget.ledgers.deliverables import SOURCES, name
from budget.ledgers.overdue import STAGE_ZH
from budget.ledgers.work import STATUS_ZH
from engine.base.db import db
from engine.base.identity import User

V02 = ["主管部门", "事项", "对象", "来源", "责任人", "截止日期", "提交时间", "状态", "逾期天数"]
V04 = ["主管部门", "事项", "对象", "责任人", "截止日期", "逾期天数", "升级阶段", "最近提醒时间", "最近提醒对象", "催办次数"]
X05 = ["整改事项", "项目", "主管部门", "问题", "责任人", "整改期限", "状态", "核查结果", "销号日期"]


class People:
    """Usernames → names, one query on first use."""

    def __init__(self) -> None:
        self._names: dict[str, str] | None = None

    def __call__(self, username: str | None) -> str:
        if not username:
            return ""
        if self._names is None:
            self._names = {u: n or u for u, n in db.session.execute(select(User.username, User.name))}
        return self._names.get(username, username)


def responsible(row: dict[str, Any], person: People, role_name: dict[str, str] | None = None) -> str:
    if row.get("responsible"):
        return person(row["responsible"])
    lane = (role_name or {}).get(row.get("lane") or "", "")
    return f"待认领（{lane}）" if lane else "待认领"


def v02_cells(row: dict[str, Any], person: People) -> list[Any]:
    return [row["dept_name"], name(row["deliverable"], row["due"]), row["object_name"], SOURCES.get(row["source"], row["source"]),
            responsible(row, person), row["due"], _local(row["submitted_at"]), STATUS_ZH[row["status"]], row["days_late"]]


def v04_cells(row: dict[str, Any], person: People) -> list[Any]:
    return [row["dept_name"], name(row["deliverable"], row["due"]), row["object_name"], responsible(row, person), row["due"],
            row["days_late"], STAGE_ZH.get(row.get("stage") or "", ""), _local(row.get("last_reminder_at")),
            "、".join(person(p) for p in row.get("last_reminder_to") or []), row.get("urge_count", 0)]


def x05_rows(case: dict[str, Any], person: People) -> Iterable[list[Any]]:
    head = [f"{case['code']} {case['source_name'] or ''}".strip(), case["project_name"], case["dept_name"]]
    if not case["issues"]:
        yield [*head, None, None, case["report_due"], case["status_name"], None, None]
    for i in case["issues"]:
        yield [*head, f"{i['seq']}. {i['description']}", person(i["owner"]), i["deadline"], i["status_name"],
               i.get("result_name"), i["closed_at"]]


def write(title: str, header: list[str], rows: Iterable[list[Any]], scope_text: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    bold = Font(bold=True)

    def cell(value: str) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=value)
        c.font = bold
        return c
    sheet.append([cell(title)])
    sheet.append([scope_text])
    sheet.append([cell(h) for h in header])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _local(moment: Any) -> Any:
    from engine.time.calendar import LOCAL

    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if moment is not None else None
