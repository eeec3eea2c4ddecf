"""The X-03 绩效监控表 as an .xlsx (openpyxl, write-only: rows stream out, memory stays flat
whatever the selection). Column order is fixed by views.md §7.2; the project's figures stand on
its first indicator row; money in 万元; 偏差原因 as √ ticks under their five headings."""
from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from budget.shared.monitoring_names import CAUSE_ZH, POSSIBILITY_ZH
from forms.indicators import L1_LABELS, L2_LABELS

CAUSES = tuple(CAUSE_ZH)  # FUNDING, INSTITUTION, STAFF, HARDWARE, OTHER — the X-03 order
WAN = Decimal(10000)


def headers(month: int) -> list[str]:
    span = f"1–{month}月"
    return ["项目", "主管部门", "年度预算数（万元）", f"{span}执行数（万元）", "执行率（%）", "全年预计执行数（万元）",
            "一级指标", "二级指标", "三级指标", "年度指标值", f"{span}完成值", "全年预计完成值",
            *(f"偏差原因：{CAUSE_ZH[c]}" for c in CAUSES), "完成目标可能性", "偏差原因说明及纠偏措施"]


def write_x03(rows: Iterable[dict[str, Any]], year: int, month: int, scope_text: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("绩效监控表")
    bold = Font(bold=True)
    sheet.append([_cell(sheet, f"{year}年项目支出绩效监控表（1–{month}月）", bold)])
    sheet.append([scope_text])
    sheet.append([_cell(sheet, h, bold, wrap=True) for h in headers(month)])
    for row in rows:
        first = [f"{row['project_name']}（{row['project_code']}）", row["department_name"], _wan(row["annual_budget"]),
                 _wan(row["executed_cum"]), float(row["exec_rate"]), _wan(row["expected_full_year_exec"])]
        indicators = row["indicators"] or [None]
        for n, ind in enumerate(indicators):
            sheet.append((first if n == 0 else [None] * len(first)) + _indicator_cells(ind))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _indicator_cells(ind: dict[str, Any] | None) -> list[Any]:
    if ind is None:
        return [None] * (6 + len(CAUSES) + 2)
    ticks = ["√" if c in ind["causes"] else None for c in CAUSES]
    measures = "；".join(t for t in (ind["cause_text"], ind["measures"]) if t)
    return [L1_LABELS.get(ind["l1"], ind["l1"]), L2_LABELS.get(ind["l2"], ind["l2"]), ind["name"], ind["target"],
            ind["cum_actual"], ind["expected_full_year"], *ticks, POSSIBILITY_ZH.get(ind["possibility"] or "", None),
            measures or None]


def _wan(value: Decimal | None) -> float | None:
    return None if value is None else float((value / WAN).quantize(Decimal("0.01")))


def _cell(sheet: Any, value: str, font: Font, wrap: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    return cell
