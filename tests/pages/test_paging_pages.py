"""Paging on the list pages (count, Bootstrap .pagination keeping the filters, page size), the
project page (404 outside the scope) and the login page's demo accounts (only with demo data)."""
from __future__ import annotations

import re

from sqlalchemy import select

from budget import demo_data
from budget.demo import load_demo
from engine.base.db import db
from engine.base.identity import User
from engine.moves.runtime import complete_task, start_process
from engine.work.inbox import ready_tasks
from tests.factories import PASSWORD, expense


def _start(n: int, username: str = "f1", complete: bool = False) -> None:
    user = db.session.scalars(select(User).where(User.username == username)).one()
    for _ in range(n):
        instance = start_process("ex_three_step_review", user, {})
        db.session.commit()
        if complete:
            complete_task(ready_tasks(instance.id)[0].id, user, expense())
            db.session.commit()


def _rows(html: str, table_class: str = "list") -> int:
    body = html.split(f'<table class="{table_class}', 1)[1].split("</table>", 1)[0]
    return body.count("<tr") - 1  # minus the header row


def test_started_and_done_pages_count_and_page(people, login):
    _start(23, complete=True)
    filer = login("f1")
    first = filer.get("/started").get_data(as_text=True)
    assert "共 <strong>23</strong> 件" in first and _rows(first) == 20
    assert 'class="pagination' in first and 'href="/started?page=2"' in first
    second = filer.get("/started?page=2").get_data(as_text=True)
    assert _rows(second) == 3 and 'aria-current="page">2<' in second
    bigger = filer.get("/started?per_page=50").get_data(as_text=True)
    assert _rows(bigger) == 23 and 'class="pagination' not in bigger  # one page: no page links
    beyond = filer.get("/started?page=9")
    assert beyond.status_code == 200
    text = beyond.get_data(as_text=True)
    assert "已超出最后一页" in text and 'href="/started?page=2"' in text and "共 <strong>23</strong> 件" in text
    for bad in ("page=x", "page=0", "per_page=7", "per_page=²", "page=99999999999999999999"):
        assert filer.get(f"/started?{bad}").status_code == 200, bad  # a page never fails on its URL
    done = filer.get("/done?per_page=20&page=2").get_data(as_text=True)
    assert "共 <strong>23</strong> 项" in done and _rows(done, "list tasks") == 3
    assert login("h1").get("/done").get_data(as_text=True).count("共 <strong>0</strong> 项") == 1


def test_supervision_pages_keep_filters_in_page_links(people, login):
    _start(22)
    reader = login("a1")
    html = reader.get("/supervision/instances?status=RUNNING&q=%E8%B4%B9%E7%94%A8").get_data(as_text=True)
    assert "共 <strong>22</strong> 件" in html and _rows(html) == 20
    link = re.search(r'href="([^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "status=RUNNING" in link and "q=" in link
    assert _rows(reader.get(link).get_data(as_text=True)) == 2
    assert "共 <strong>0</strong> 件" in reader.get("/supervision/instances?status=COMPLETED").get_data(as_text=True)
    outsider = login("x1").get("/supervision/instances").get_data(as_text=True)  # another unit's filer
    assert "共 <strong>0</strong> 件" in outsider


def test_project_library_rows_open_the_project_page(people, login):
    load_demo(PASSWORD)
    dept = login("dept.d05")
    library = dept.get("/supervision/projects").get_data(as_text=True)
    assert "共 <strong>2</strong> 个项目" in library and 'href="/projects/P-D05-001"' in library
    page = dept.get("/projects/P-D05-001")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "大气污染源自动监测运维" in html and "各年度金额（万元）" in html and "示例市生态环境监测站" in html
    assert dept.get("/projects/P-D01-001").status_code == 404  # another department's
    assert "项目不存在或您无权查看" in login("x1").get("/projects/P-D05-001").get_data(as_text=True)
    assert login("x1").get("/projects/P-D05-001").status_code == 404
    assert dept.get("/projects/nope").status_code == 404
    everyone = login("a1").get("/supervision/projects?per_page=20&page=2").get_data(as_text=True)
    assert "共 <strong>20</strong> 个项目" in everyone and "已超出最后一页" in everyone


def test_login_lists_demo_accounts_only_with_demo_data(app, db):
    client = app.test_client()
    assert "示例账号" not in client.get("/login").get_data(as_text=True)
    load_demo(demo_data.DEFAULT_PASSWORD)
    html = client.get("/login").get_data(as_text=True)
    assert "示例账号" in html and "<th>姓名</th><th>角色</th><th>部门</th><th>用户名</th><th>密码</th>" in html
    assert "<code>filer.d05u02</code>" in html and "示例市生态环境监测站 经办人" in html
    assert "<code>perfflow</code>" in html and "示例市财政局预算绩效管理处" in html


def test_login_keeps_a_changed_password_unsaid(app, db):
    load_demo("another-demo-password")
    html = app.test_client().get("/login").get_data(as_text=True)
    assert "<code>filer.d05u02</code>" in html and "perfflow" not in html and "DEMO_PASSWORD" in html
