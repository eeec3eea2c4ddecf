"""The project library, the project page and GET /api/v1/projects show each project-year's
classification (is_major, is_key, fiscal_key with the DT-05/DT-01 rows that decided them) and its
ex-ante results, as P1 recorded them on the real engine (issue 11, point 9); a year decided
before the classification was recorded says so."""
from __future__ import annotations

import pytest
from p1_driver import Flow, Y, deploy_p1

from budget.demo import load_demo
from tests.factories import PASSWORD


@pytest.fixture()
def p1(db):
    load_demo(PASSWORD)
    deploy_p1()
    return db


def token(client, username: str) -> dict[str, str]:
    reply = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {reply.get_json()['token']}"}


def test_library_shows_classification_with_rule_rows_and_exante_results(p1, client):
    """ALL packs: P-D05-001-like 300 万 NEW → DT-05 row 3 (FJ ≥ 300 万: 重点), DT-01 rows 2 and 8 →
    dept ex-ante; round 1 76 → SUPPORT_AFTER_REVISION, round 2 81 → SUPPORT, 290 万 recommended."""
    flow = Flow("P-D05-001")
    flow.intake()
    flow.dept_exante("P-D05-001", 300)
    flow.intake(content_text="按评估意见细化运维内容，压减非必要的设备更新，明确各监测站点的运维频次和考核标准。" * 2)
    flow.dept_exante("P-D05-001/2", 290)
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    code = flow.project.code

    rows = client.get(f"/api/v1/projects?q={code}", headers=token(client, "perf.1")).get_json()
    (row,) = [r for r in rows if r["code"] == code]
    year = next(y for y in row["years"] if y["fiscal_year"] == Y)  # the request year P1 classified
    assert [y["classification"] for y in row["years"] if y["fiscal_year"] != Y] == [None] * (len(row["years"]) - 1)
    c, e = year["classification"], year["exante"]
    assert (c["is_major"], c["is_key"], c["fiscal_key"]) == (False, True, False)
    assert [r["id"] for r in c["rules"]] == ["dt05_r3", "dt01_r2", "dt01_r8"]
    assert c["rules"][0]["label"] == "DT-05 第 3 条：新增且申请不低于 300 万元（FJ） → 重点"
    assert c["labels"] == ["重点项目"] and "FJ" in c["packs"] and c["decided_at"]
    assert (e["dept_required"], e["fiscal_required"], e["reasons"]) == (True, "NONE", ["NEW_ANY"])
    assert (e["conclusion"], e["assessor_type"], e["total_score"]) == ("SUPPORT", "DEPT_SELF", "81.00")
    assert e["recommended_amount"] == "2900000.00"
    detail = client.get(f"/api/v1/projects/{code}", headers=token(client, "dept.d05")).get_json()
    assert next(y for y in detail["project"]["years"] if y["fiscal_year"] == Y)["classification"] == c

    # a demo year loaded as records (never through P1 here): no classification recorded
    demo = client.get("/api/v1/projects/P-D05-001", headers=token(client, "dept.d05")).get_json()
    assert all(y["classification"] is None for y in demo["project"]["years"])

    client.post("/login", data={"username": "perf.1", "password": PASSWORD})
    page = client.get(f"/projects/{code}").get_data(as_text=True)
    for text in ("分类认定与事前评估结果", "重点项目", "DT-05 第 3 条：新增且申请不低于 300 万元（FJ） → 重点",
                 "DT-01 第 8 条", "部门事前评估：需要", "财政事前评估：不需要", "新增项目", "予以支持", "部门事前评估 81.00 分",
                 "290.00"):
        assert text in page, text
    library = client.get(f"/supervision/projects?q={code}").get_data(as_text=True)
    assert "分类与事前评估" in library and "重点项目" in library and "建议 290.00 万元" in library
    assert "认定依据" in library and "DT-01 第 2 条" in library
    old = client.get("/projects/P-D05-001").get_data(as_text=True)
    assert "未记录：该年度未经 P1 认定，或认定早于分类记录" in old
