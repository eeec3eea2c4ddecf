"""Every check a row of execution data must pass before anything is written (Excel and API alike):
the project and its approved budget year, the month, the figure (a number of 元, not negative, at
most 2 decimals, not above the budget × 1.0001 — rules §4.7.2), no cumulative decrease against the
previous month unless the row corrects a month already recorded, and no row twice. Messages are
Chinese; `field` is what the caller calls the column (the Excel header or the JSON key)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from budget.models import ExecutionRecord, Project, ProjectYear
from engine.base.db import db

OPEN_STATUSES = ("APPROVED", "EXECUTING")  # a 批复'd year whose execution is being monitored
TOLERANCE = Decimal("1.0001")  # rules §4.7.2: executed_cum ≤ annual_budget × 1.0001
AMOUNT_MAX = Decimal("9999999999999999.99")  # MONEY is Numeric(18, 2)
NOTE_MAX = 500
KEYS = ("project_code", "project_name", "year", "month", "executed_cum", "note")


@dataclass
class RawRow:
    """One row as it came: cell values or JSON values, unchecked. `row` is what the caller shows
    (the spreadsheet's row number, the list index)."""

    row: int
    values: dict[str, Any]


@dataclass
class CheckedRow:
    row: int
    project_year_id: uuid.UUID
    fiscal_year: int
    month: int
    executed_cum: Decimal
    note: str | None

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "py": str(self.project_year_id), "year": self.fiscal_year, "month": self.month,
                "cum": str(self.executed_cum), "note": self.note}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CheckedRow:
        return cls(d["row"], uuid.UUID(d["py"]), d["year"], d["month"], Decimal(d["cum"]), d["note"])


@dataclass
class Outcome:
    rows: list[CheckedRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Year:
    id: uuid.UUID
    status: str | None
    budget: Decimal | None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _amount(value: Any) -> Decimal | str:
    """The figure in 元, or the reason it is not one."""
    if _blank(value):
        return "请填写累计支付数（元）"
    if isinstance(value, bool):
        return "累计支付数应为数字（元）"
    if isinstance(value, float):
        value = repr(value)  # the shortest text that is this float: 1234.56, not 1234.5599999…
    text = str(value).strip().replace(",", "").replace("，", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return "累计支付数应为数字（元）"
    if not amount.is_finite():
        return "累计支付数应为数字（元）"
    if amount < 0:
        return "累计支付数不能为负数"
    if amount > AMOUNT_MAX:
        return "累计支付数过大，请核对单位（元）"
    if amount != amount.quantize(Decimal("0.01")):
        return "累计支付数最多保留两位小数（元，精确到分）"
    return amount.quantize(Decimal("0.01"))


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


class Checker:
    """Checks a list of raw rows against the records as they are now (the caller holds the locks
    it needs). `labels` names the fields as the caller's user sees them."""

    def __init__(self, labels: dict[str, str], today: date) -> None:
        self.labels = labels
        self.today = today

    def problem(self, out: list[dict[str, Any]], row: int, key: str, message: str) -> None:
        out.append({"row": row, "field": self.labels.get(key, key), "message": message})

    def check(self, raw: list[RawRow]) -> Outcome:
        result = Outcome()
        codes = {str(r.values.get("project_code")).strip() for r in raw if not _blank(r.values.get("project_code"))}
        projects = {p.code: p for p in db.session.execute(select(Project.code, Project.id, Project.name).where(
            Project.code.in_(codes), Project.deleted.is_(False)))} if codes else {}  # rows, not records: 10× less
        named_years = {y for y in (as_int(r.values.get("year")) for r in raw) if y}
        wanted = {(p.id, y) for p in projects.values() for y in named_years}
        years = self._years(wanted)
        parsed: list[tuple[RawRow, _Year, int, Decimal]] = []
        seen: dict[tuple[str, int, int], int] = {}
        for item in raw:
            ok = self._row(item, projects, years, seen, result)
            if ok is not None:
                parsed.append((item, *ok))
        recorded = self._recorded({y.id for _, y, _, _ in parsed})
        in_file = {(y.id, m): a for _, y, m, a in parsed}
        for item, year, month, amount in parsed:
            self._against_history(item, year, month, amount, recorded, in_file, result)
        return result

    def _years(self, wanted: set[tuple[uuid.UUID, int]]) -> dict[tuple[uuid.UUID, int], _Year]:
        if not wanted:
            return {}
        rows = db.session.execute(select(  # two plain IN lists: a row-value IN of 10,000 pairs plans badly
            ProjectYear.project_id, ProjectYear.fiscal_year, ProjectYear.id, ProjectYear.cycle_status,
            ProjectYear.adjusted, ProjectYear.arranged).where(
            ProjectYear.project_id.in_({p for p, _ in wanted}), ProjectYear.fiscal_year.in_({y for _, y in wanted})))
        return {(p, y): _Year(i, s, adj if adj is not None else arr) for p, y, i, s, adj, arr in rows}

    def _recorded(self, py_ids: set[uuid.UUID]) -> dict[tuple[uuid.UUID, int], Decimal]:
        """The current figure of every month of these project-years."""
        if not py_ids:
            return {}
        rows = db.session.execute(select(ExecutionRecord.project_year_id, ExecutionRecord.month,
                                         ExecutionRecord.executed_cum).where(
            ExecutionRecord.project_year_id.in_(py_ids), ExecutionRecord.is_current.is_(True)))
        return {(p, m): a for p, m, a in rows}

    def _row(self, item: RawRow, projects: dict[str, Any], years: dict[tuple[uuid.UUID, int], _Year],
             seen: dict[tuple[str, int, int], int], result: Outcome) -> tuple[_Year, int, Decimal] | None:
        """The row's own checks; (project-year, month, amount) when it passed them."""
        v, n, errors = item.values, item.row, result.errors
        before = len(errors)
        code = None if _blank(v.get("project_code")) else str(v["project_code"]).strip()
        project = projects.get(code) if code else None
        if code is None:
            self.problem(errors, n, "project_code", "请填写项目编码")
        elif project is None:
            self.problem(errors, n, "project_code", f"项目编码 {code[:40]} 不存在")
        year = as_int(v.get("year"))
        if year is None or not 2000 <= year <= 2100:
            self.problem(errors, n, "year", "年度应为四位整数，如 2025")
        month = as_int(v.get("month"))
        if month is None or not 1 <= month <= 12:
            self.problem(errors, n, "month", "月份应为 1–12 的整数")
        amount = _amount(v.get("executed_cum"))
        if isinstance(amount, str):
            self.problem(errors, n, "executed_cum", amount)
        note = None if _blank(v.get("note")) else str(v["note"]).strip()
        if note and len(note) > NOTE_MAX:
            self.problem(errors, n, "note", f"备注不超过 {NOTE_MAX} 个字")
        if len(errors) > before or project is None or year is None or month is None:
            return None
        assert not isinstance(amount, str)
        name = v.get("project_name")
        if not _blank(name) and str(name).strip() != project.name:
            self.problem(result.warnings, n, "project_name",
                         f"项目名称与编码不符：编码 {project.code} 是「{project.name}」（以编码为准）")
        py = years.get((project.id, year))
        if py is None:
            self.problem(errors, n, "year", f"项目 {project.code} 没有 {year} 年度的预算")
            return None
        if py.status not in OPEN_STATUSES or py.budget is None:
            self.problem(errors, n, "year", f"项目 {project.code} 的 {year} 年度预算尚未批复，不能登记执行数据")
            return None
        if (year, month) > (self.today.year, self.today.month):
            self.problem(errors, n, "month", f"{year} 年 {month} 月尚未到来，不能登记该月的累计支付数")
            return None
        key = (project.code, year, month)
        if key in seen:
            self.problem(errors, n, "month", f"与第 {seen[key]} 行重复（同一项目、年度、月份只能有一行）")
            return None
        seen[key] = n
        if amount > py.budget * TOLERANCE:
            self.problem(errors, n, "executed_cum",
                         f"累计支付数 {_yuan(amount)}超过年度预算 {_yuan(py.budget)}，请核对")
            return None
        return py, month, amount

    def _against_history(self, item: RawRow, year: _Year, month: int, amount: Decimal,
                         recorded: dict[tuple[uuid.UUID, int], Decimal],
                         in_file: dict[tuple[uuid.UUID, int], Decimal], result: Outcome) -> None:
        """A new month may not be below the latest earlier month (this file's figure first, else
        the recorded one); a correction of a month already recorded may."""
        correction = (year.id, month) in recorded
        if not correction:
            for earlier in range(month - 1, 0, -1):
                prior = in_file.get((year.id, earlier), recorded.get((year.id, earlier)))
                if prior is None:
                    continue
                if amount < prior:
                    self.problem(result.errors, item.row, "executed_cum",
                                 f"累计支付数 {_yuan(amount)}小于 {earlier} 月的 {_yuan(prior)}，累计数不应减少"
                                 f"（如 {earlier} 月有误，请更正 {earlier} 月）")
                    return
                break
        v = item.values
        note = None if _blank(v.get("note")) else str(v["note"]).strip()
        result.rows.append(CheckedRow(item.row, year.id, int(as_int(v.get("year")) or 0), month, amount, note))
