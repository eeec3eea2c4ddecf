"""The monitoring pages through the test client: 预警看板 (default month, counts, rows in Chinese,
filters, scope), 双监控 (charts' data, X-03 table, key list), who may open them."""
from __future__ import annotations

import json
import re


def _text(reply) -> str:  # noqa: ANN001
    assert reply.status_code == 200, reply.status_code
    return reply.get_data(as_text=True)


def test_the_board_opens_on_the_latest_month(login):
    html = _text(login("perf.1").get("/monitoring/warnings"))
    assert "2025 年 9 月" in html
    assert re.search(r'class="fs-4 count-red">1<', html) and re.search(r'class="fs-4 count-yellow">4<', html)
    assert re.search(r'class="fs-4 count-monitored">7<', html) and re.search(r'class="fs-4 count-green">2<', html)
    assert html.count('class="warning-row') == 5
    assert "重大项目执行滞后≥40个百分点（重点监控）" in html and "重点监控" in html
    assert "SD_KEY_40PP" not in html and "KEY_MONITORING" not in html  # names, not codes
    assert "有可能" in html and "11.22%" in html  # worst possibility, cost overrun
    chart = json.loads(re.search(r'data-chart="([^"]*)"', html).group(1).replace("&#34;", '"').replace("&quot;", '"'))
    assert chart["series"][0]["data"][8] == 1 and chart["series"][1]["data"][8] == 4  # September: 1 red, 4 yellow
    assert "dist/charts.js" in html


def test_board_filters_and_scope(login):
    perf = login("perf.1")
    html = _text(perf.get("/monitoring/warnings?year=2025&month=9&level=RED"))
    assert html.count('class="warning-row') == 1
    html = _text(perf.get("/monitoring/warnings?year=2025&month=6&key=1"))
    assert [m for m in re.findall(r'data-project="([^"]+)"', html)] == ["P-D08-001"]
    html = _text(perf.get("/monitoring/warnings?year=2025&month=7&dept=D04"))
    assert set(re.findall(r'data-project="([^"]+)"', html)) == {"P-D04-001", "P-D04-002"}
    officer = _text(login("dept.d04").get("/monitoring/warnings?year=2025&month=9"))
    assert re.findall(r'data-project="([^"]+)"', officer) == ["P-D04-001"]
    assert login("filer.d04u02").get("/monitoring/warnings").status_code == 403


def test_double_monitoring(login):
    html = _text(login("dept.d04").get("/monitoring/double?year=2025"))
    assert "绩效监控表（1–7月）" in html
    charts = re.findall(r'data-chart="([^"]*)"', html)
    data = json.loads(charts[0].replace("&#34;", '"').replace("&quot;", '"'))
    assert [s["name"] for s in data["series"]] == ["时间进度", "示例市农业农村局"]
    assert data["series"][1]["data"][6] == 44.17  # July: (9000×45 % + 1800×40 %) ÷ 10800
    assert set(re.findall(r'class="x03-row" data-project="([^"]+)"', html)) == {"P-D04-001", "P-D04-002"}
    assert "新建高标准农田面积" in html and "硬件条件保障" in html and "有可能" in html
    html = _text(login("perf.1").get("/monitoring/double?year=2025&project=P-D08-001"))
    assert "chart-project" in html
    assert "老旧小区改造" in html.split("重点监控项目")[1]  # the key-monitoring list

