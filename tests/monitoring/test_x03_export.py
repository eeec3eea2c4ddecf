"""The X-03 绩效监控表 download: its fixed columns, the project's figures on its first indicator
row (万元), the indicator rows with ticks and possibility, the viewer's scope, the size limit."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from budget.monitoring_views.export import headers
from web.pages import monitoring


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


def test_filters_and_limit(login, monkeypatch):
    perf = login("perf.1")
    sheet = _sheet(perf.get("/monitoring/x03.xlsx?year=2025&month=7&project=P-D03-002"))
    body = [r for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert [r[8] for r in body] == ["单位运营成本", "乘客满意度"]
    assert sheet.cell(2, 1).value.startswith("范围：")
    monkeypatch.setattr(monitoring, "EXPORT_LIMIT", 3)
    reply = perf.get("/monitoring/x03.xlsx?year=2025")
    assert reply.status_code == 413 and "超过单次导出上限 3 个" in reply.get_data(as_text=True)
