"""`GET /api/v1/warnings`: filters, paging with X-Total-Count, the fields issue 11 names, codes with
names beside them, 422 on bad filters, and nothing outside the caller's scope."""
from __future__ import annotations


def _get(client, url: str, headers: dict):  # noqa: ANN202
    reply = client.get(url, headers=headers)
    return reply.status_code, reply.get_json(), reply.headers.get("X-Total-Count")


def test_filters_and_fields(client, year_2025, token_for):
    perf = token_for("perf.1")
    status, rows, total = _get(client, "/api/v1/warnings?year=2025&month=9", perf)
    assert status == 200 and total == "5" and len(rows) == 5
    top = rows[0]
    assert {k: top[k] for k in ("project_code", "year", "month", "level", "key_monitoring", "lag_pp", "exec_rate",
                                "time_progress")} == {
        "project_code": "P-D08-001", "year": 2025, "month": 9, "level": "RED", "key_monitoring": True,
        "lag_pp": "45.00", "exec_rate": "30.00", "time_progress": "75.00"}
    assert top["reasons"] == ["SD_KEY_40PP", "LAG_30", "LAG_15"]
    assert top["reason_names"][0] == "重大项目执行滞后≥40个百分点（重点监控）"
    assert top["level_name"] == "红色预警" and top["suggested_response"] == "KEY_MONITORING"
    assert top["response"] is None and top["response_state"] in ("OPEN", "OVERDUE")
    assert _get(client, "/api/v1/warnings?year=2025&month=9&level=RED", perf)[2] == "1"
    assert _get(client, "/api/v1/warnings?year=2025&department=D04", perf)[2] == "10"  # D04-001 M4–M9, D04-002 M4–M7
    status, rows, total = _get(client, "/api/v1/warnings?project_code=P-D08-001&per_page=2&page=2", perf)
    assert (status, total, [r["month"] for r in rows]) == (200, "6", [7, 6])
    assert rows[0]["response"] == "PAYMENT_HOLD" and rows[0]["response_name"] == "暂缓拨款"
    assert _get(client, "/api/v1/warnings?project_code=P-D08-001&page=9", perf)[:2] == (200, [])


def test_bad_filters_are_422(client, year_2025, token_for):
    perf = token_for("perf.1")
    for bad in ("month=13", "level=GREEN", "year=abc", "per_page=500"):
        status, body, _ = _get(client, f"/api/v1/warnings?{bad}", perf)
        assert status == 422, bad
        assert body["errors"], bad


def test_outside_the_scope_nothing_is_listed(client, year_2025, token_for):
    officer = token_for("dept.d04")
    status, rows, total = _get(client, "/api/v1/warnings?year=2025&month=9", officer)
    assert status == 200 and total == "1" and rows[0]["project_code"] == "P-D04-001"
    assert _get(client, "/api/v1/warnings?project_code=P-D08-001", officer)[1:] == ([], "0")
    assert _get(client, "/api/v1/warnings?department=D08", officer)[1:] == ([], "0")
    filer = token_for("filer.d08u01")  # the unit sees its own project's warnings
    status, rows, total = _get(client, "/api/v1/warnings?year=2025", filer)
    assert total == "6" and {r["project_code"] for r in rows} == {"P-D08-001"}
    assert client.get("/api/v1/warnings").status_code == 401
