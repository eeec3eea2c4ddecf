"""The Excel side of execution data: the template a treasury clerk downloads (a data sheet with
Chinese headers and a 说明 sheet explaining every column and the versioning rule) and reading an
uploaded workbook back into raw rows. Figures are in 元 (yuan, 2 decimals), as the execution
system exports them; a 万元 header is refused rather than guessed."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from budget.execution.checks import RawRow

SHEET = "执行数据"
GUIDE = "说明"
# (key, header, required, width, explanation)
COLUMNS = (
    ("project_code", "项目编码", True, 16, "项目库中的项目编码，如 P-D01-001。以编码识别项目。"),
    ("project_name", "项目名称", False, 36, "仅供核对：与编码不符时给出提示，不影响导入。"),
    ("year", "年度", True, 8, "预算年度，四位数字，如 2025。该项目该年度的预算须已批复。"),
    ("month", "月份", True, 8, "1–12 的整数：截至该月月末的累计数。不能是尚未到来的月份。"),
    ("executed_cum", "累计支付数（元）", True, 20,
     "截至该月月末的累计支付数，单位元，最多两位小数，不能为负数，不能超过年度预算（调整后预算，无调整时为批复安排数）。"),
    ("note", "备注", False, 30, "可选，不超过 500 字。更正以前月份时建议写明原因。"),
)
LABELS = {key: header for key, header, *_ in COLUMNS}
RULES = (
    "每行是一个项目、一个年度、一个月份的累计支付数（截至月末，单位元）。",
    "同一文件中同一项目、年度、月份只能出现一次。",
    "累计数不应减少：某月的数额不能小于同一项目较早月份的数额（本文件中的数额优先，其次为已登记的数额）；更正已登记月份的行不受此限。",
    "版本规则：已登记月份再次报送相同数额，视为未变化，不新增记录；报送不同数额，视为更正，新增一个版本并成为当前数，原数额保留可查。",
    "整个文件先逐行检查，有任何错误则整个文件不导入，并逐行列出错误；全部通过后才写入，写入过程中他人看到的是导入前的数据，全部写入后一次生效。",
    "同一文件（内容完全相同）重复上传会被识别，不会重复导入。",
)
HEADER_ROW = 1


@dataclass
class FileProblem(Exception):
    """The file as a whole cannot be read as execution data (no rows are checked)."""

    message: str


def template() -> bytes:
    """The template: headers, a few checks Excel itself applies, and the 说明 sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for col, (_key, header, required, width, _text) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=col, value=header)
        cell.font, cell.fill = bold, fill if required else PatternFill()
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    month = DataValidation(type="whole", operator="between", formula1="1", formula2="12", allow_blank=True,
                           error="月份应为 1–12 的整数", errorTitle="月份")
    amount = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            error="累计支付数应为不小于 0 的数字（元）", errorTitle="累计支付数")
    for rule, col in ((month, "D"), (amount, "E")):
        sheet.add_data_validation(rule)
        rule.add(f"{col}2:{col}50000")
    guide = book.create_sheet(GUIDE)
    guide.column_dimensions["A"].width, guide.column_dimensions["B"].width = 20, 90
    guide.append(["执行数据导入模板", "在「执行数据」工作表第 2 行起逐行填写；不要改动第 1 行的列名。"])
    guide["A1"].font = bold
    guide.append([])
    guide.append(["列", "说明"])
    for _key, header, required, _width, text in COLUMNS:
        guide.append([header + ("（必填）" if required else "（选填）"), text])
    guide.append([])
    guide.append(["规则", ""])
    for text in RULES:
        guide.append(["", text])
    for row in guide.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in (guide["A3"], guide["B3"], guide[f"A{len(COLUMNS) + 5}"]):
        cell.font = bold
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _norm(header: object) -> str:
    return "".join(str(header or "").split()).replace("(", "（").replace(")", "）")


def _unzipped_size(content: bytes) -> int:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileProblem("无法读取该文件：请上传 Excel 工作簿（.xlsx），可从本页下载模板") from None


def read_rows(content: bytes, max_rows: int, max_unzipped: int) -> list[RawRow]:
    """The data rows of an uploaded workbook (blank rows skipped), numbered as Excel numbers them."""
    if _unzipped_size(content) > max_unzipped:
        raise FileProblem(f"文件解压后超过 {max_unzipped // (1024 * 1024)} MB，请分批导入")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001  (openpyxl raises many kinds for a file that is not a workbook)
        raise FileProblem("无法读取该文件：请上传 Excel 工作簿（.xlsx），可从本页下载模板") from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        columns = _columns(header)
        out: list[RawRow] = []
        for number, values in enumerate(rows, start=HEADER_ROW + 1):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(out) >= max_rows:
                raise FileProblem(f"数据超过 {max_rows} 行，请分批导入")
            out.append(RawRow(number, {key: values[i] if i < len(values) else None for key, i in columns.items()}))
        if not out:
            raise FileProblem(f"「{sheet.title}」工作表没有数据行（第 {HEADER_ROW + 1} 行起填写）")
        return out
    finally:
        book.close()


def _columns(header: tuple | None) -> dict[str, int]:
    found = {_norm(h): i for i, h in enumerate(header or ()) if h is not None}
    if any("万元" in h for h in found):
        raise FileProblem("累计支付数请以元为单位填写（列名「累计支付数（元）」），本模板不接受万元")
    columns, missing = {}, []
    for key, name, required, *_ in COLUMNS:
        index = found.get(_norm(name))
        if index is None and required:
            missing.append(name)
        elif index is not None:
            columns[key] = index
    if missing:
        raise FileProblem(f"第 {HEADER_ROW} 行缺少列：{'、'.join(missing)}（请使用本页提供的模板）")
    return columns
