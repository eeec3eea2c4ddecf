"""The ledgers' pages, 催办 and bulk 催办 (logged, notified, queued above the limit), the X-05 export
and the API shapes, on the real engine's P3 year and a P7 case written through the models."""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from budget.ledgers import runs, urging
from budget.ledgers.asof import AsOf
from budget.ledgers.overdue import overdue_page
from budget.ledgers.work import LedgerFilters
from budget.models import ExportRun, FollowUpCheck
from engine.base.db import db
from engine.base.models import AuditEvent, Notification
from engine.dispatch import queue
from engine.time import clock
from tests.ledgers.conftest import rect_case, user


def _overdue_day() -> None:
    clock.travel_to(datetime(2025, 8, 3, 2, tzinfo=UTC))  # the month-6 report (due 07-31) is 3 days late


def test_overdue_list_and_urge_one_row(login, p3_year):
    _overdue_day()
    perf = login("perf.1")
    page = perf.get("/ledgers/overdue").get_data(as_text=True)
    assert "月度监控填报（6月）" in page and "待认领（项目单位经办人）" in page
    (instance,) = set(re.findall(r'name="instance" value="([0-9a-f-]{36})"', page))
    reply = perf.post("/ledgers/overdue/urge", data={"instance": instance, "back": "/ledgers/overdue"})
    assert reply.status_code == 302
    shown = perf.get("/ledgers/overdue").get_data(as_text=True)
    assert "已催办 1 项，送达：" in shown
    urges = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "urge")).all()
    assert len(urges) == 1 and "filer.d01u01" in urges[0].detail["to"]
    assert db.session.scalars(select(Notification).where(Notification.username == "filer.d01u01",
                                                         Notification.kind == "urge")).first() is not None
    assert re.search(r'class="urge-count">1<', shown)
    # The reminder engine's scan at 10:00 on 08-03 (D+3): overdue reminder and the head's escalation.
    clock.tick()
    queue.drain()
    at = overdue_page(user("perf.1"), AsOf(date(2025, 8, 3)), LedgerFilters(source="P3"), 1, 20).items[0]
    assert at["stage"] == "ESCALATED_HEAD" and at["last_reminder_at"] is not None and at["last_reminder_to"]
    assert at["urge_count"] == 1
    before = overdue_page(user("perf.1"), AsOf(date(2025, 8, 2)), LedgerFilters(source="P3"), 1, 20).items[0]
    assert (before["stage"], before["urge_count"], before["days_late"]) == (None, 0, 2)
    # The department sees its own overdue row, another department nothing; observers cannot 催办.
    assert "月度监控填报（6月）" in login("dept.d01").get("/ledgers/overdue").get_data(as_text=True)
    assert "没有逾期事项" in login("dept.d04").get("/ledgers/overdue").get_data(as_text=True)
    assert login("filer.d01u01").get("/ledgers/overdue").status_code == 403


def test_bulk_urge_queued_reports_whom_it_reached(login, p3_year):
    _overdue_day()
    instance = p3_year.instance.id
    run = urging.start([instance], user("perf.1"), "请于本周内报送")
    db.session.commit()
    assert queue.drain() >= 1
    db.session.expire_all()
    done = db.session.get(ExportRun, run.id)
    assert done.status == "DONE" and done.done == 1
    assert "filer.d01u01" in done.outcome["results"][0]["to"]
    page = login("perf.1").get(f"/ledgers/runs/{run.id}").get_data(as_text=True)
    assert "已催办 1 项，送达：" in page
    assert login("dept.d01").get(f"/ledgers/runs/{run.id}").status_code == 404  # not theirs
    # A second bulk at once: refused per instance (10-minute limit), the others would go on.
    again = urging.urge_many([instance], user("perf.1"))
    assert "error" in again[0] and "催办过于频繁" in again[0]["error"]


def test_work_ledger_page_groups_and_as_of(login, p3_year):
    perf = login("perf.1")
    page = perf.get("/ledgers/work?as_of=2025-07-28").get_data(as_text=True)
    assert "截至 2025-07-28" in page and "示例市教育局" in page
    assert 'data-status="DUE_SOON"' in page
    assert 'data-status="OVERDUE"' in perf.get("/ledgers/work?as_of=2025-08-03").get_data(as_text=True)
    assert login("obs.audit").get("/ledgers/work").status_code == 200  # observers read
    assert login("obs.audit").get("/ledgers/overdue").status_code == 403


def test_rectification_ledger_x05_and_api(login, p3_year, client, token_for):
    case = rect_case("RC-2025-902", "P-D01-002", notice=date(2025, 6, 1), plan_due=date(2025, 6, 15),
                     report_due=date(2025, 7, 15), issues=2)
    first, second = sorted(case_issues(case), key=lambda i: i.seq)
    check = FollowUpCheck(case_id=case.id, mode="DESK", planned_date=date(2025, 7, 20), actual_date=date(2025, 7, 22),
                          checkers=["perf.1", "perf.2"], conclusion="PARTIAL",
                          item_results=[{"issue_id": str(first.id), "result": "CLOSED"},
                                        {"issue_id": str(second.id), "result": "NOT_RECTIFIED",
                                         "new_deadline": "2025-09-30"}])
    db.session.commit()
    clock.travel_to(datetime(2025, 7, 22, 8, tzinfo=UTC))  # the check's day: closed, and a new deadline
    db.session.add(check)
    first.status, first.closed_at = "CLOSED", date(2025, 7, 22)
    second.status, second.deadline, second.rounds = "NOT_CLOSED", date(2025, 9, 30), 1
    db.session.commit()
    perf = login("perf.1")
    page = perf.get("/ledgers/rectification?as_of=2025-07-31").get_data(as_text=True)
    assert "RC-2025-902" in page and "50.0%" in page and "整改到位-销号" in page
    assert "30.0%" not in page and "已销号" in page
    book = load_workbook(io.BytesIO(perf.get("/ledgers/rectification.xlsx?as_of=2025-07-31").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[2]) == ["整改事项", "项目", "主管部门", "问题", "责任人", "整改期限", "状态", "核查结果", "销号日期"]
    assert rows[3][0].startswith("RC-2025-902") and rows[3][6] == "已销号" and rows[3][7] == "整改到位-销号"
    assert rows[3][8] is not None and rows[4][7] == "未整改" and rows[4][8] is None
    assert rows[4][5].date() == date(2025, 9, 30)
    # As of 2025-07-21 nothing was closed yet and the second issue still had its first deadline.
    early = client.get("/api/v1/rectification-cases?as_of=2025-07-21", headers=token_for("perf.1"))
    assert early.status_code == 200 and early.headers["X-Total-Count"] == "1"
    (c,) = early.get_json()
    assert [i["status"] for i in c["issues"]] == ["IN_PROGRESS", "NOT_CLOSED"]
    assert [i["deadline"] for i in c["issues"]] == ["2025-07-15", "2025-07-15"]  # before the new deadline
    assert c["followups"] == []  # the check was recorded on 07-22
    assert c["overdue_days"] == 36  # the plan (due 06-15) never came: the earliest unmet deadline
    assert client.get("/api/v1/rectification-cases", headers=token_for("dept.d04")).get_json() == []
    bad = client.get("/api/v1/ledger?as_of=2025-13-01", headers=token_for("perf.1"))
    assert bad.status_code == 422 and "as_of" in str(bad.get_json())
    led = client.get("/api/v1/ledger?as_of=2025-08-03&status=OVERDUE&source=P3", headers=token_for("perf.1"))
    (row,) = led.get_json()
    assert row["deliverable_name"] == "月度监控填报（6月）" and row["status_name"] == "已逾期" and row["days_late"] == 3
    assert row["department"] == "D01" and row["due"] == "2025-07-31"


def case_issues(case):  # noqa: ANN001, ANN201
    from budget.models import IssueItem

    return db.session.scalars(select(IssueItem).where(IssueItem.case_id == case.id)).all()


def test_work_ledger_export_now_and_queued(login, p3_year, monkeypatch):
    _overdue_day()
    perf = login("perf.1")
    book = load_workbook(io.BytesIO(perf.get("/ledgers/work.xlsx?as_of=2025-08-03").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[2]) == ["主管部门", "事项", "对象", "来源", "责任人", "截止日期", "提交时间", "状态", "逾期天数"]
    report = next(r for r in rows[3:] if r[1] == "月度监控填报（6月）")
    assert report[0] == "示例市教育局" and report[4] == "待认领" and report[7] == "已逾期" and report[8] == 3
    monkeypatch.setattr(runs, "SYNC_LIMIT", 0)  # more rows than the limit: the queued export
    offer = perf.get("/ledgers/overdue.xlsx?as_of=2025-08-03").get_data(as_text=True)
    assert "后台生成导出文件" in offer
    started = perf.post("/ledgers/overdue/exports", data={"as_of": "2025-08-03"})
    assert started.status_code == 302
    run_id = started.headers["Location"].rsplit("/", 1)[1]
    queue.drain()
    assert "下载 Excel" in perf.get(f"/ledgers/runs/{run_id}").get_data(as_text=True)
    book = load_workbook(io.BytesIO(perf.get(f"/ledgers/runs/{run_id}/file").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[2][6] == "升级阶段" and [r[1] for r in rows[3:]] == ["月度监控填报（6月）"]
    assert login("dept.d01").get(f"/ledgers/runs/{run_id}/file").status_code == 404
