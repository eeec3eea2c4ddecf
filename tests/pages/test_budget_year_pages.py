"""预算年度 (/budget-year): FIN_PERF declares the result-application decisions ready, FIN_BUDGET
records the 人大 approval date — once a year each, with the message every waiting P2 instance of
the year catches; bad dates write nothing; other people get 403."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from budget.models import BudgetYearMilestone
from engine.base.db import db as _db
from engine.base.models import Message
from tests.factories import make_user


@pytest.fixture()
def budget_user(people):
    user = make_user("b1", ("FIN_BUDGET", "ALL", None), name="预算处己")
    _db.session.commit()
    return user


def milestones() -> list[tuple[str, int, date]]:
    _db.session.expire_all()
    return [(m.kind, m.fiscal_year, m.on_date) for m in _db.session.scalars(select(BudgetYearMilestone))]


def test_perf_declares_decisions_ready_once(budget_user, login):
    perf = login("a1")
    page = perf.get("/budget-year?year=2027").get_data(as_text=True)
    assert "预算年度 · 2027 年" in page and 'href="/budget-year"' in page
    assert "登记结果应用决定已就绪" in page and "登记人大已批准预算" not in page  # FIN_PERF: only its own
    assert "该年度尚无绩效目标审核流程" in page
    on = date.today() - timedelta(days=1)
    done = perf.post("/budget-year/declare/RESULT_DECISIONS_READY", data={"year": "2027", "on_date": on.isoformat(),
                                                                   "note": "局务会审定"})
    assert done.status_code == 302
    assert milestones() == [("RESULT_DECISIONS_READY", 2027, on)]
    (msg,) = _db.session.scalars(select(Message)).all()
    assert msg.name == "msg_result_decisions_ready" and msg.correlation["apply_year"] == 2027
    again = perf.post("/budget-year/declare/RESULT_DECISIONS_READY", data={"year": "2027", "on_date": on.isoformat()},
                      follow_redirects=True).get_data(as_text=True)
    assert "此前已登记，未重复登记" in again and "已登记" in again
    assert len(milestones()) == 1 and len(_db.session.scalars(select(Message)).all()) == 1


def test_budget_records_npc_approval_and_bad_dates_write_nothing(budget_user, login):
    budget = login("b1")
    future = (date.today() + timedelta(days=3)).isoformat()
    bad = budget.post("/budget-year/declare/NPC_APPROVED", data={"year": "2027", "on_date": future})
    assert bad.status_code == 422 and "日期不得晚于今天" in bad.get_data(as_text=True)
    bad = budget.post("/budget-year/declare/NPC_APPROVED", data={"year": "2027", "on_date": "2027-13-40"})
    assert bad.status_code == 422 and "请填写正确的日期" in bad.get_data(as_text=True)
    assert milestones() == []
    ok = budget.post("/budget-year/declare/NPC_APPROVED", data={"year": "2027", "on_date": date.today().isoformat()})
    assert ok.status_code == 302 and milestones() == [("NPC_APPROVED", 2027, date.today())]
    (msg,) = _db.session.scalars(select(Message)).all()
    assert msg.payload["npc_approval_date"] == date.today().isoformat()


def test_others_are_refused(budget_user, login):
    assert login("a1").post("/budget-year/declare/NPC_APPROVED", data={"year": "2027", "on_date": "2026-01-05"}).status_code == 403
    assert login("b1").post("/budget-year/declare/RESULT_DECISIONS_READY", data={"year": "2027"}).status_code == 403
    filer = login("f1")
    assert filer.get("/budget-year").status_code == 403
    assert 'href="/budget-year"' not in filer.get("/").get_data(as_text=True)
    assert login("a1").post("/budget-year/declare/OTHER", data={"year": "2027"}).status_code == 404
    assert milestones() == []


def test_budget_division_starts_the_year_in_a_batch_with_a_progress_bar(budget_user, login):
    from pathlib import Path

    from budget.demo import load_demo
    from engine.definitions.deploy import closure_files, deploy
    from engine.dispatch import queue

    load_demo("demo-pass-1")
    deploy(closure_files(Path(__file__).resolve().parents[2] / "workflows")["p2_target_joint_review"], "test")
    _db.session.commit()
    budget = login("b1")
    page = budget.get("/budget-year?year=2026").get_data(as_text=True)
    assert "批量启动绩效目标审核" in page and "启动 0 个" not in page
    bad = budget.post("/budget-year/batch", data={"year": "2026", "submit_due": "2020-01-01"})
    assert bad.status_code == 422 and "申报截止日期不得早于今天" in bad.get_data(as_text=True)
    due = (date.today() + timedelta(days=20)).isoformat()
    started = budget.post("/budget-year/batch", data={"year": "2026", "submit_due": due}, follow_redirects=True)
    text = started.get_data(as_text=True)
    assert "已开始为" in text and "<progress" in text and 'http-equiv="refresh"' in text  # running: refreshes
    assert "上一批正在启动中" in text
    busy = budget.post("/budget-year/batch", data={"year": "2026", "submit_due": due})
    assert busy.status_code == 422 and "上一批正在启动中" in busy.get_data(as_text=True)
    queue.drain()
    text = budget.get("/budget-year?year=2026").get_data(as_text=True)
    assert "（完成）" in text and 'http-equiv="refresh"' not in text and "启动 0 个项目年度" in text
    assert "确认年度申报与绩效目标" in text  # the year's progress by step, by name
    again = budget.post("/budget-year/batch", data={"year": "2026", "submit_due": due}, follow_redirects=True)
    assert "没有尚未启动的项目年度，未重复启动" in again.get_data(as_text=True)
    assert login("a1").post("/budget-year/batch", data={"year": "2026", "submit_due": due}).status_code == 403
