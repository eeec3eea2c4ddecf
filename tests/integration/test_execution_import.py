"""Execution data by Excel (issue 11 point 4) on PostgreSQL and the real queue: every check with
its Chinese message and nothing written, a repeated file, corrections as versions, chunks made
current at once, and imports racing each other and the API on the same months (real threads)."""
from __future__ import annotations

import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from execution_support import filled
from openpyxl import Workbook
from sqlalchemy import func, select

from budget.demo import load_demo
from budget.execution import imports, posting
from budget.models import ExecutionImport, ExecutionRecord, Project, ProjectYear
from engine.base.db import db
from engine.dispatch import queue

YEAR = 2025  # the demo's FY2025 years are EXECUTING (批复'd); FY2026 are requests only
EDU, HEALTH = "P-D01-002", "P-D02-002"  # 6,500 万 and 460 万 in FY2025
EDU_NAME = "学前教育生均公用经费补助"


@pytest.fixture()
def demo(db):
    load_demo("demo-pass-1")
    return db


def run(rows: list[list] | bytes, name: str = "执行数据.xlsx") -> ExecutionImport:
    imp, fresh = imports.submit(name, rows if isinstance(rows, bytes) else filled(rows), "treasury.1")
    db.session.commit()
    assert fresh
    queue.drain()
    db.session.expire_all()
    return db.session.get(ExecutionImport, imp.id)


def records(code: str, month: int) -> list[tuple[int, Decimal, bool]]:
    db.session.expire_all()
    return list(db.session.execute(
        select(ExecutionRecord.version, ExecutionRecord.executed_cum, ExecutionRecord.is_current)
        .join(ProjectYear, ProjectYear.id == ExecutionRecord.project_year_id).join(Project)
        .where(Project.code == code, ExecutionRecord.month == month).order_by(ExecutionRecord.version)).tuples())


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(ExecutionRecord)) or 0


def test_a_good_file_is_imported_and_current(demo):
    imp = run([[EDU, EDU_NAME, YEAR, 1, 5_000_000], [EDU, EDU_NAME, YEAR, 2, "10,000,000.50"],
               [HEALTH, None, YEAR, 1, 123.4]])
    assert (imp.status, imp.total, imp.done, imp.accepted, imp.corrected, imp.unchanged) == ("DONE", 3, 3, 3, 0, 0)
    assert imp.errors == [] and imp.warnings == [] and imp.rows is None and imp.finished_at
    assert records(EDU, 2) == [(1, Decimal("10000000.50"), True)]
    assert records(HEALTH, 1) == [(1, Decimal("123.40"), True)]
    rec = db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.month == 2)).one()
    assert (rec.source, rec.import_id, rec.fiscal_year, rec.created_by) == ("EXCEL", imp.id, YEAR, "treasury.1")


def test_every_broken_row_is_reported_in_chinese_and_nothing_is_written(demo):
    imp = run([
        ["P-XXX-999", None, YEAR, 1, 100],  # 2 unknown code
        [EDU, EDU_NAME, YEAR, 13, 100],  # 3 month
        [EDU, EDU_NAME, YEAR, 1, -5],  # 4 negative
        [EDU, EDU_NAME, YEAR, 2, "一百万"],  # 5 not a number
        ["P-D01-001", None, YEAR, 1, 100],  # 6 no FY2025 budget
        ["P-D01-002", None, 2026, 1, 100],  # 7 FY2026 not 批复'd
        [HEALTH, None, YEAR, 1, 4_600_461],  # 8 above 460 万 × 1.0001
        [EDU, EDU_NAME, YEAR, 3, 2_000_000],  # 9 fine
        [EDU, EDU_NAME, YEAR, 4, 1_000_000],  # 10 below March
        [EDU, EDU_NAME, YEAR, 3, 2_000_000],  # 11 duplicate of row 9
        [EDU, "别的名字", YEAR, 5, 2_500_000],  # 12 name does not match: a warning only
        [EDU, EDU_NAME, YEAR, 6, 1.234],  # 13 three decimals
        [None, None, YEAR, 7, 1],  # 14 no code
        [EDU, EDU_NAME, "二〇二五", 8, 1],  # 15 year
        [EDU, EDU_NAME, 2099, 1, 1],  # 16 a year not come (no budget either)
    ])
    assert imp.status == "REJECTED" and count() == 0 and imp.done == 0
    got = {(e["row"], e["field"]): e["message"] for e in imp.errors}
    assert got == {
        (2, "项目编码"): "项目编码 P-XXX-999 不存在",
        (3, "月份"): "月份应为 1–12 的整数",
        (4, "累计支付数（元）"): "累计支付数不能为负数",
        (5, "累计支付数（元）"): "累计支付数应为数字（元）",
        (6, "年度"): "项目 P-D01-001 没有 2025 年度的预算",
        (7, "年度"): "项目 P-D01-002 的 2026 年度预算尚未批复，不能登记执行数据",
        (8, "累计支付数（元）"): "累计支付数 4,600,461.00 元超过年度预算 4,600,000.00 元，请核对",
        (10, "累计支付数（元）"): "累计支付数 1,000,000.00 元小于 3 月的 2,000,000.00 元，累计数不应减少（如 3 月有误，请更正 3 月）",
        (11, "月份"): "与第 9 行重复（同一项目、年度、月份只能有一行）",
        (13, "累计支付数（元）"): "累计支付数最多保留两位小数（元，精确到分）",
        (14, "项目编码"): "请填写项目编码",
        (15, "年度"): "年度应为四位整数，如 2025",
        (16, "年度"): "项目 P-D01-002 没有 2099 年度的预算",
    }
    assert [e["row"] for e in imp.errors] == sorted(e["row"] for e in imp.errors)
    assert imp.warnings == [{"row": 12, "field": "项目名称",
                             "message": f"项目名称与编码不符：编码 {EDU} 是「{EDU_NAME}」（以编码为准）"}]


def test_the_budget_tolerance_and_a_month_not_yet_come(demo, monkeypatch):
    ok = run([[HEALTH, None, YEAR, 1, 4_600_460]])  # 460 万 × 1.0001 exactly: allowed
    assert ok.status == "DONE"
    monkeypatch.setattr(imports, "today", lambda: date(2025, 6, 15))
    early = run([[EDU, None, YEAR, 6, 1], [EDU, None, YEAR, 7, 2]])
    assert early.status == "REJECTED"
    assert early.errors == [{"row": 3, "field": "月份", "message": "2025 年 7 月尚未到来，不能登记该月的累计支付数"}]


def test_files_that_are_not_execution_data(demo):
    with pytest.raises(Exception) as refused:
        imports.submit("数据.xls", b"\xd0\xcf\x11\xe0old", "treasury.1")
    assert refused.value.errors == {"file": ["请上传 Excel 工作簿（.xlsx），可从本页下载模板",
                                             "文件内容不是 Excel 工作簿（.xlsx）"]}
    imp, _ = imports.submit("坏.xlsx", b"PK\x03\x04 not really a zip", "treasury.1")
    db.session.commit()
    queue.drain()
    db.session.refresh(imp)
    assert imp.status == "REJECTED" and imp.errors[0]["message"].startswith("无法读取该文件")
    book = Workbook()
    book.active.append(["项目编码", "年度", "月份", "累计支付数（万元）"])
    book.active.append([EDU, YEAR, 1, 5])
    out = io.BytesIO()
    book.save(out)
    wan, _ = imports.submit("万元.xlsx", out.getvalue(), "treasury.1")
    db.session.commit()
    queue.drain()
    db.session.refresh(wan)
    assert wan.errors == [{"row": 0, "field": "文件",
                           "message": "累计支付数请以元为单位填写（列名「累计支付数（元）」），本模板不接受万元"}]
    assert count() == 0


def test_too_many_rows_is_refused_whole(demo, monkeypatch):
    monkeypatch.setattr(imports, "ROWS_MAX", 2)
    imp = run([[EDU, None, YEAR, m, m] for m in (1, 2, 3)])
    assert imp.status == "REJECTED" and imp.errors[0]["message"] == "数据超过 2 行，请分批导入" and count() == 0


def test_the_same_file_twice_is_recognised(demo):
    content = filled([[EDU, EDU_NAME, YEAR, 1, 100]])
    first = run(content)
    again, fresh = imports.submit("另一个名字.xlsx", content, "treasury.1")
    assert not fresh and again.id == first.id
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ExecutionImport)) == 1 and count() == 1


def test_a_correction_is_a_new_version_and_the_same_figure_is_unchanged(demo):
    run([[EDU, None, YEAR, 1, 100], [EDU, None, YEAR, 2, 200], [HEALTH, None, YEAR, 1, 50]])
    later = run([[EDU, None, YEAR, 1, 90, "国库退回一笔"], [EDU, None, YEAR, 2, 200], [HEALTH, None, YEAR, 2, 60]])
    assert (later.status, later.accepted, later.corrected, later.unchanged) == ("DONE", 1, 1, 1)
    assert records(EDU, 1) == [(1, Decimal("100.00"), False), (2, Decimal("90.00"), True)]
    assert records(EDU, 2) == [(1, Decimal("200.00"), True)]
    fixed = db.session.scalars(select(ExecutionRecord).where(ExecutionRecord.version == 2)).one()
    assert (fixed.replaced_cum, fixed.note, fixed.import_id) == (Decimal("100.00"), "国库退回一笔", later.id)


def test_chunks_are_staged_and_made_current_only_when_all_are_in(demo, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 2)
    run([[EDU, None, YEAR, 1, 100]])
    imp, _ = imports.submit("x.xlsx", filled([[EDU, None, YEAR, m, 100 * m + 1] for m in range(1, 6)]), "treasury.1")
    db.session.commit()
    from engine.base.models import Outbox

    def step(kind: str) -> None:
        (job,) = db.session.scalars(select(Outbox.id).where(Outbox.kind == kind, Outbox.status == "PENDING"))
        db.session.rollback()
        assert queue.execute(job) == "done"
        db.session.expire_all()

    step("execution.check")
    step("execution.apply")
    imp = db.session.get(ExecutionImport, imp.id)
    assert (imp.status, imp.done, imp.total) == ("IMPORTING", 2, 5)
    # staged, not current: a reader still sees only what was there before the file
    assert records(EDU, 1) == [(1, Decimal("100.00"), True), (2, Decimal("101.00"), False)]
    assert records(EDU, 2) == [(1, Decimal("201.00"), False)]
    step("execution.apply")
    step("execution.apply")
    assert db.session.get(ExecutionImport, imp.id).done == 5
    assert db.session.scalar(select(func.count()).select_from(ExecutionRecord).where(ExecutionRecord.is_current)) == 1
    step("execution.activate")
    assert [r[2] for m in range(1, 6) for r in records(EDU, m) if r[1] == 100 * m + 1] == [True] * 5
    assert db.session.get(ExecutionImport, imp.id).status == "DONE"


def test_a_failed_import_leaves_nothing(demo, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 1)

    def broken(payload):  # noqa: ANN001, ANN202
        raise RuntimeError("数据库连接中断")

    imp, _ = imports.submit("x.xlsx", filled([[EDU, None, YEAR, 1, 1], [EDU, None, YEAR, 2, 2]]), "treasury.1")
    db.session.commit()
    spec = queue.JOBS["execution.activate"]
    monkeypatch.setitem(queue.JOBS, "execution.activate", queue.JobSpec(
        spec.kind, broken, spec.queue, 1, spec.timeout, spec.on_failed))
    queue.drain()
    db.session.expire_all()
    imp = db.session.get(ExecutionImport, imp.id)
    assert imp.status == "FAILED" and "数据库连接中断" in imp.errors[0]["message"] and count() == 0
    again, fresh = imports.submit("x.xlsx", filled([[EDU, None, YEAR, 1, 1], [EDU, None, YEAR, 2, 2]]), "treasury.1")
    assert fresh  # a failed file may be sent again


def test_imports_and_api_posts_racing_on_the_same_months(app, demo, monkeypatch):
    """Four imports and four API posts of the same months at once, each a real thread with its
    own connection: every month ends with exactly one current row, versions 1..n without gaps
    or doubles, and each figure either became a version or was counted unchanged."""
    monkeypatch.setattr(imports, "CHUNK", 3)
    months = range(1, 7)
    files = [filled([[EDU, None, YEAR, m, 1000 * m + k] for m in months]) for k in range(4)]
    bodies = [[{"project_code": EDU, "year": YEAR, "month": m, "executed_cum": str(1000 * m + 10 + k)} for m in months]
              for k in range(4)]
    ids = []
    for k, content in enumerate(files):
        imp, _ = imports.submit(f"f{k}.xlsx", content, "treasury.1")
        ids.append(imp.id)
    db.session.commit()
    for _ in range(4):  # the checks first, so the racing part is the writing
        queue.drain(limit=4)
    barrier = threading.Barrier(8)
    failures: list[str] = []

    def importer() -> None:
        with app.app_context():
            barrier.wait()
            try:
                queue.drain()
            except Exception as err:  # noqa: BLE001
                failures.append(repr(err))

    def poster(body: list[dict]) -> None:
        with app.app_context():
            barrier.wait()
            try:
                reply = posting.post_records(body, "treasury.1")
                db.session.commit()
                assert not reply.errors, reply.errors
            except Exception as err:  # noqa: BLE001
                db.session.rollback()
                failures.append(repr(err))

    threads = [threading.Thread(target=importer) for _ in range(4)] + [
        threading.Thread(target=poster, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures
    queue.drain()
    db.session.expire_all()
    assert {i.status for i in db.session.scalars(select(ExecutionImport))} == {"DONE"}
    for m in months:
        rows = records(EDU, m)
        assert [v for v, _, _ in rows] == list(range(1, len(rows) + 1)), rows
        assert sum(1 for *_, cur in rows if cur) == 1, rows
        assert len(rows) == 8  # every figure differs: each of the 8 writers added one version
