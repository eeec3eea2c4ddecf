"""Workbooks of execution data for the tests and the bench: the page's own template, filled in."""
from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import load_workbook

from budget.execution import workbook


def filled(rows: Iterable[Iterable[Any]]) -> bytes:
    """The downloadable template with these rows (项目编码, 项目名称, 年度, 月份, 累计支付数, 备注)."""
    book = load_workbook(io.BytesIO(workbook.template()))
    sheet = book[workbook.SHEET]
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
