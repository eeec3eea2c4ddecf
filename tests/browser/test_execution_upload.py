"""执行数据 in chromium: the treasury clerk downloads the template, uploads a file with errors (the
error table, nothing imported), then a good one whose progress bar moves while the queue writes it
in chunks and ends 已导入 by itself (the page refreshes); then a correction. Screenshots at 1366 and
390 px wide, no page wider than the window."""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from budget.demo import load_demo
from budget.execution import imports
from engine.base.db import db as _db
from engine.base.models import Outbox
from engine.dispatch import queue
from tests.browser.pages import go_to, login
from tests.factories import PASSWORD

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from execution_support import filled  # noqa: E402

pytestmark = pytest.mark.browser
EDU, HEALTH = "P-D01-002", "P-D02-002"
WIDTHS = ((1366, 768), (390, 844))


def shots(page, folder: Path, name: str) -> None:  # noqa: ANN001
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        page.screenshot(path=str(folder / f"{name}_{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": 1366, "height": 768})


def run_one(kind: str) -> None:
    (job,) = _db.session.scalars(select(Outbox.id).where(Outbox.kind == kind, Outbox.status == "PENDING"))
    _db.session.rollback()
    assert queue.execute(job) == "done"


def test_upload_page_errors_progress_and_corrections(app, live_server, page, db, tmp_path, monkeypatch) -> None:
    folder = Path(os.environ.get("SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    load_demo(PASSWORD)
    monkeypatch.setattr(imports, "CHUNK", 2)
    login(page, live_server, "treasury.1", PASSWORD)
    go_to(page, "执行数据")
    page.wait_for_url(f"{live_server}/execution")
    with page.expect_download() as download:
        page.get_by_text("下载导入模板").click()
    template = download.value
    assert template.suggested_filename == "执行数据导入模板.xlsx"
    book = load_workbook(io.BytesIO(Path(template.path()).read_bytes()))
    assert book.sheetnames == ["执行数据", "说明"]

    broken = tmp_path / "有错误.xlsx"
    broken.write_bytes(filled([[EDU, "学前教育生均公用经费补助", 2025, 1, 100], [EDU, None, 2025, 14, 5],
                               ["P-D99-999", None, 2025, 1, 1], [HEALTH, "名称写错", 2025, 1, 9_999_999]]))
    page.set_input_files("#file", str(broken))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url("**/execution/imports/*")
    run_one("execution.check")
    page.locator(".import-errors").wait_for(timeout=10000)  # the page refreshes itself
    rows = page.locator(".import-errors tbody tr")
    assert rows.count() == 3
    assert "月份应为 1–12 的整数" in rows.nth(0).inner_text()
    assert "项目编码 P-D99-999 不存在" in rows.nth(1).inner_text()
    assert "超过年度预算" in rows.nth(2).inner_text()
    assert "名称写错" not in page.locator(".import-warnings").inner_text()
    assert "项目名称与编码不符" in page.locator(".import-warnings").inner_text()
    shots(page, folder, "execution_errors")

    good = tmp_path / "十月.xlsx"
    good.write_bytes(filled([[EDU, None, 2025, m, 1_000_000 * m] for m in range(1, 6)] + [[HEALTH, None, 2025, 1, 5]]))
    page.goto(f"{live_server}/execution")
    page.set_input_files("#file", str(good))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url("**/execution/imports/*")
    detail = page.url
    run_one("execution.check")
    run_one("execution.apply")
    page.reload()
    assert page.locator(".import-status").inner_text() == "写入中"
    assert page.locator("#progress").get_attribute("value") == "2" and page.locator(".done-count").inner_text() == "2"
    shots(page, folder, "execution_progress")
    queue.drain()
    page.goto(detail)
    page.locator(".import-status", has_text="已导入").wait_for()
    assert page.locator(".count-accepted").inner_text() == "6"

    fix = tmp_path / "更正.xlsx"
    fix.write_bytes(filled([[EDU, None, 2025, 3, 3_100_000, "补录三月一笔"]]))
    page.goto(f"{live_server}/execution")
    page.set_input_files("#file", str(fix))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url("**/execution/imports/*")
    queue.drain()
    page.locator(".import-corrections").wait_for(timeout=10000)
    row = page.locator(".import-corrections tbody tr").first.inner_text()
    assert "3,000,000.00" in row and "3,100,000.00" in row and "第 2 版" in row
    shots(page, folder, "execution_correction")
    page.goto(f"{live_server}/execution")
    assert page.locator(".execution-imports tbody tr").count() == 3
    shots(page, folder, "execution_list")
