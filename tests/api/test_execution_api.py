"""POST/GET /api/v1/execution-records (issue 11 point 4): all rows or none, row-level Chinese
errors, idempotent on project, year and month, corrections as versions, who may call it."""
from __future__ import annotations

from sqlalchemy import func, select

from budget.demo import load_demo
from budget.execution import posting
from budget.models import ExecutionRecord
from tests.factories import PASSWORD, make_user

EDU, HEALTH = "P-D01-002", "P-D02-002"
URL = "/api/v1/execution-records"


def rows(*items: tuple) -> list[dict]:
    return [{"project_code": c, "year": y, "month": m, "executed_cum": a} for c, y, m, a in items]


def count(db) -> int:  # noqa: ANN001
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ExecutionRecord)) or 0


def test_post_records_corrections_and_idempotence(db, client, token_for):
    load_demo(PASSWORD)
    treasury = token_for("treasury.1")
    first = client.post(URL, json=rows((EDU, 2025, 1, "100.50"), (EDU, 2025, 2, 300), (HEALTH, 2025, 1, 7.25)),
                        headers=treasury)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"accepted": 3, "unchanged": 0, "corrected": 0, "errors": [], "warnings": []}
    again = client.post(URL, json=rows((EDU, 2025, 1, "100.5"), (EDU, 2025, 2, 310)) + [
        {"project_code": EDU, "year": 2025, "month": 3, "executed_cum": 400, "note": "三月", "project_name": "别的"}],
        headers=treasury)
    assert again.status_code == 200
    body = again.get_json()
    assert (body["accepted"], body["unchanged"], body["corrected"]) == (1, 1, 1)
    assert body["warnings"][0]["row"] == 2 and body["warnings"][0]["field"] == "project_name"
    assert count(db) == 5
    listed = client.get(URL, query_string={"year": 2025, "project_code": EDU}, headers=treasury)
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "3"
    feb = listed.get_json()[1]
    assert (feb["month"], feb["executed_cum"], feb["version"]) == (2, "310.00", 2)
    assert [(v["version"], v["executed_cum"], v["current"], v["source"]) for v in feb["versions"]] == [
        (1, "300.00", False, "API"), (2, "310.00", True, "API")]
    one = client.get(URL, query_string={"year": 2025, "month": 1, "per_page": 1, "page": 2}, headers=treasury)
    assert one.headers["X-Total-Count"] == "2" and [m["project_code"] for m in one.get_json()] == [HEALTH]


def test_one_wrong_row_and_nothing_is_written(db, client, token_for):
    load_demo(PASSWORD)
    treasury = token_for("treasury.1")
    reply = client.post(URL, json=rows((EDU, 2025, 1, 100), ("P-NONE-1", 2025, 1, 5), (EDU, 2025, 2, "abc"),
                                       (EDU, 2025, 0, 1)) + [["not", "an", "object"], {"project_code": EDU, "year": 2025,
                                                                                       "month": 4, "executed_cum": 500,
                                                                                       "amount": 3}],
                        headers=treasury)
    assert reply.status_code == 422
    body = reply.get_json()
    assert (body["accepted"], body["unchanged"], body["corrected"]) == (0, 0, 0)
    assert [(e["row"], e["field"], e["message"]) for e in body["errors"]] == [
        (1, "project_code", "项目编码 P-NONE-1 不存在"),
        (2, "executed_cum", "累计支付数应为数字（元）"),
        (3, "month", "月份应为 1–12 的整数"),
        (4, "_row", "每一行应为对象（含 project_code、year、month、executed_cum）"),
        (5, "amount", "不是执行数据的字段"),
    ]
    assert count(db) == 0
    for bad in ({"project_code": EDU}, "text", None):
        refused = client.post(URL, json=bad, headers=treasury)
        assert refused.status_code == 422 and refused.get_json()["errors"] == [
            {"row": 0, "field": "_body", "message": "请求体须为 JSON 数组"}]
    empty = client.post(URL, json=[], headers=treasury)
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["message"] == "没有数据行"


def test_size_limits(db, client, token_for, monkeypatch):
    load_demo(PASSWORD)
    treasury = token_for("treasury.1")
    monkeypatch.setattr(posting, "ROWS_MAX", 2)
    reply = client.post(URL, json=rows(*[(EDU, 2025, m, m) for m in (1, 2, 3)]), headers=treasury)
    assert reply.status_code == 422 and reply.get_json()["errors"][0]["message"] == "一次最多 2 行，请分批发送"
    from web.api import execution

    monkeypatch.setattr(execution, "BODY_MAX_BYTES", 100)
    reply = client.post(URL, json=rows(*[(EDU, 2025, m, m) for m in (1, 2)]), headers=treasury)
    assert reply.status_code == 422 and reply.get_json()["errors"][0]["field"] == "_body" and count(db) == 0


def test_who_may_write_and_read(db, client, token_for):
    load_demo(PASSWORD)
    make_user("xa_admin", ("SYS_ADMIN", "ALL", None))
    make_user("xa_fund", ("FIN_FUND", "ALL", None))
    make_user("xa_filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    db.session.commit()
    body = rows((EDU, 2025, 1, 1))
    assert client.post(URL, json=body, headers=token_for("budget.1")).status_code == 200
    assert client.post(URL, json=rows((EDU, 2025, 2, 2)), headers=token_for("xa_admin")).status_code == 200
    refused = client.post(URL, json=body, headers=token_for("xa_fund"))
    assert refused.status_code == 403 and "国库处" in refused.get_json()["message"]
    assert client.get(URL, headers=token_for("xa_fund")).status_code == 200
    assert client.get(URL, headers=token_for("xa_filer")).status_code == 403
    assert client.post(URL, json=body, headers=token_for("xa_filer")).status_code == 403
    assert client.post(URL, json=body).status_code == 401


def test_documented_in_openapi(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    post = doc["paths"]["/execution-records"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["maxItems"] == posting.ROWS_MAX
    assert {"200", "401", "403", "422"} <= set(post["responses"])
    assert "get" in doc["paths"]["/execution-records"]
