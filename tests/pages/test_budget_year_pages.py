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
    done = perf.post("/budget-year/RESULT_DECISIONS_READY", data={"year": "2027", "on_date": on.isoformat(),
                                                                   "note": "局务会审定"})
    assert done.status_code == 302
    assert milestones() == [("RESULT_DECISIONS_READY", 2027, on)]
    (msg,) = _db.session.scalars(select(Message)).all()
    assert msg.name == "msg_result_decisions_ready" and msg.correlation["apply_year"] == 2027
    again = perf.post("/budget-year/RESULT_DECISIONS_READY", data={"year": "2027", "on_date": on.isoformat()},
                      follow_redirects=True).get_data(as_text=True)
    assert "此前已登记，未重复登记" in again and "已登记" in again
    assert len(milestones()) == 1 and len(_db.session.scalars(select(Message)).all()) == 1


def test_budget_records_npc_approval_and_bad_dates_write_nothing(budget_user, login):
    budget = login("b1")
    future = (date.today() + timedelta(days=3)).isoformat()
    bad = budget.post("/budget-year/NPC_APPROVED", data={"year": "2027", "on_date": future})
    assert bad.status_code == 422 and "日期不得晚于今天" in bad.get_data(as_text=True)
    bad = budget.post("/budget-year/NPC_APPROVED", data={"year": "2027", "on_date": "2027-13-40"})
    assert bad.status_code == 422 and "请填写正确的日期" in bad.get_data(as_text=True)
    assert milestones() == []
    ok = budget.post("/budget-year/NPC_APPROVED", data={"year": "2027", "on_date": date.today().isoformat()})
    assert ok.status_code == 302 and milestones() == [("NPC_APPROVED", 2027, date.today())]
    (msg,) = _db.session.scalars(select(Message)).all()
    assert msg.payload["npc_approval_date"] == date.today().isoformat()


def test_others_are_refused(budget_user, login):
    assert login("a1").post("/budget-year/NPC_APPROVED", data={"year": "2027", "on_date": "2026-01-05"}).status_code == 403
    assert login("b1").post("/budget-year/RESULT_DECISIONS_READY", data={"year": "2027"}).status_code == 403
    filer = login("f1")
    assert filer.get("/budget-year").status_code == 403
    assert 'href="/budget-year"' not in filer.get("/").get_data(as_text=True)
    assert login("a1").post("/budget-year/OTHER", data={"year": "2027"}).status_code == 404
    assert milestones() == []
