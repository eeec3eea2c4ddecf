"""执行数据 (/execution) through the test client: the template download, an upload queued and
imported, a file with errors shown row by row, the same file again, corrections with both
figures, and who may see the page."""
from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from budget.demo import load_demo
from budget.models import ExecutionImport
from engine.base.db import db as _db
from engine.dispatch import queue
from tests.factories import PASSWORD, make_user
from tests.pages.conftest import PersonClient

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from execution_support import filled  # noqa: E402

EDU = "P-D01-002"


@pytest.fixture()
def treasury(app, db):
    load_demo(PASSWORD)
    make_user("pg_filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    db.session.commit()

    def login(username: str = "treasury.1") -> PersonClient:
        client = PersonClient(app, app.response_class, use_cookies=True)
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
        return client

    return login


def text(reply) -> str:  # noqa: ANN001
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", reply.get_data(as_text=True)))


def upload(client, content: bytes, name: str = "执行数据.xlsx"):  # noqa: ANN001, ANN201
    return client.post("/execution/upload", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_template_and_an_import_to_done(treasury):
    client = treasury()
    page = client.get("/execution")
    assert page.status_code == 200 and "下载导入模板" in text(page) and 'href="/execution"' in page.get_data(as_text=True)
    got = client.get("/execution/template.xlsx")
    assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(got.data))
    assert book.sheetnames == ["执行数据", "说明"]
    assert [c.value for c in book["执行数据"][1]] == ["项目编码", "项目名称", "年度", "月份", "累计支付数（元）", "备注"]
    guide = " ".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "版本规则" in guide and "单位元" in guide
    content = filled([[EDU, None, 2025, 1, 100], [EDU, None, 2025, 2, 200]])
    sent = upload(client, content)
    assert sent.status_code == 302
    running = client.get(sent.location)
    assert "排队检查" in text(running) and 'http-equiv="refresh"' in running.get_data(as_text=True)
    queue.drain()
    done = client.get(sent.location)
    assert "已导入" in text(done) and "已写入 2 / 2 行" in text(done)
    assert 'http-equiv="refresh"' not in done.get_data(as_text=True)
    # the same file again: recognised, nothing new
    again = upload(client, content, "再次.xlsx")
    assert again.location == sent.location
    assert "已于" in (shown := text(client.get(again.location))) and "上传过，未重复导入" in shown
    assert len(_db.session.scalars(select(ExecutionImport)).all()) == 1
    # a correction shows both figures
    fixed = upload(client, filled([[EDU, None, 2025, 2, 250, "补录一笔"]]))
    queue.drain()
    shown = text(client.get(fixed.location))
    assert "更正（1 个月份）" in shown and "200.00 250.00" in shown and "第 2 版" in shown


def test_errors_row_by_row(treasury):
    client = treasury()
    sent = upload(client, filled([[EDU, None, 2025, 1, -1], ["P-NO-1", None, 2025, 1, 1]]))
    queue.drain()
    shown = text(client.get(sent.location))
    assert "发现 2 处错误，整个文件未导入" in shown
    assert "2 累计支付数（元） 累计支付数不能为负数" in shown and "3 项目编码 项目编码 P-NO-1 不存在" in shown
    refused = upload(client, b"not a workbook", "a.csv")
    assert refused.status_code == 422 and "请上传 Excel 工作簿（.xlsx）" in text(refused)


def test_who_sees_the_page(treasury):
    assert treasury("budget.1").get("/execution").status_code == 200
    filer = treasury("pg_filer")
    assert filer.get("/execution").status_code == 403
    assert filer.get("/execution/template.xlsx").status_code == 403
    assert "/execution" not in re.findall(r'href="(/execution)"', filer.get("/").get_data(as_text=True))
    assert treasury().get("/execution/imports/not-an-id").status_code == 404
