"""The X-03 绩效监控表 download: its fixed columns, the project's figures on its first indicator
row (万元), the indicator rows with ticks and possibility, the viewer's scope, the size limit."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from budget.models import ExportRun
from budget.monitoring_views import export_runs
from budget.monitoring_views.export import headers
from engine.base.db import db
from engine.dispatch import queue


def _sheet(reply):  # noqa: ANN001, ANN202
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]
    assert reply.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(reply.data))["绩效监控表"]


def test_the_cells_of_x03(login):
    sheet = _sheet(login("dept.d04").get("/monitoring/x03.xlsx?year=2025"))
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "2025年项目支出绩效监控表（1–7月）"
    assert rows[2] == headers(7)
    assert rows[2][:6] == ["项目", "主管部门", "年度预算数（万元）", "1–7月执行数（万元）", "执行率（%）", "全年预计执行数（万元）"]
    body = rows[3:]
    first = body[0]  # D04-001 (9,000 万元, 45 % in July), its first indicator
    assert first[:6] == ["高标准农田建设（P-D04-001）", "示例市农业农村局", 9000, 4050, 45, 8550]
    assert first[6:12] == ["产出指标", "数量指标", "新建高标准农田面积", "≥5万亩", "3.00", "5"]
    ticks = dict(zip(["经费保障", "制度保障", "人员保障", "硬件条件保障", "其他"], first[12:17], strict=True))
    assert ticks == {"经费保障": None, "制度保障": None, "人员保障": None, "硬件条件保障": "√", "其他": None}
    assert first[17] == "有可能" and "增加施工班组" in first[18] and "汛期降雨" in first[18]
    assert body[1][:6] == [None] * 6 and body[1][8] == "工程验收合格率" and body[1][17] == "确定能"
    assert body[2][8] == "亩均粮食产能提高"
    # D04-002 has no issued target: one row with its figures and nothing else
    assert body[3][0] == "农业产业化龙头企业扶持资金（P-D04-002）" and body[3][4] == 40 and body[3][6:] == [None] * 13
    assert len(body) == 4  # the department officer's scope: D04 only


def test_filters(login):
    sheet = _sheet(login("perf.1").get("/monitoring/x03.xlsx?year=2025&month=7&project=P-D03-002"))
    body = [r for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert [r[8] for r in body] == ["单位运营成本", "乘客满意度"]
    assert sheet.cell(2, 1).value.startswith("范围：")


def test_a_large_selection_is_written_in_the_background(login, monkeypatch):
    """Above the limit the request only records the run; the queue job writes the file with its
    progress; only the person who asked sees the run and its file."""
    monkeypatch.setattr(export_runs, "SYNC_LIMIT", 3)
    monkeypatch.setattr(export_runs, "BATCH", 2)
    perf = login("perf.1")
    offer = perf.get("/monitoring/x03.xlsx?year=2025")
    assert offer.status_code == 200 and "后台生成导出文件" in offer.get_data(as_text=True)
    reply = perf.post("/monitoring/x03-exports", data={"year": "2025", "month": "7"})
    assert reply.status_code == 302
    run = db.session.scalars(db.select(ExportRun)).one()
    assert (run.status, run.total, run.done, run.created_by) == ("QUEUED", 7, 0, "perf.1")
    waiting = perf.get(reply.headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting and "已写入 0 / 7" in waiting
    assert login("perf.2").get(reply.headers["Location"]).status_code == 404  # another person's export
    assert login("perf.2").get(f"/monitoring/x03-exports/{run.id}/file").status_code == 404
    queue.drain()
    db.session.expire_all()
    run = db.session.get(ExportRun, run.id)
    assert (run.status, run.done) == ("DONE", 7) and run.attachment_id is not None
    done = perf.get(reply.headers["Location"]).get_data(as_text=True)
    assert "下载 Excel" in done and 'http-equiv="refresh"' not in done
    sheet = _sheet(perf.get(f"/monitoring/x03-exports/{run.id}/file"))
    projects = [r[0] for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(projects) == 7 and projects[0].endswith("（P-D01-002）")
