"""Paged lists in the API (项目库, 流程监管, 已办, 我发起的): page/per_page, the whole count in
X-Total-Count, a page beyond the end empty with the true total, out-of-bounds values 422; and
the project page (/projects/{id}): its record, requests and history, 404 outside the scope."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from budget.demo import load_demo
from budget.models import Project
from engine.base.db import db
from engine.base.identity import User
from engine.moves.runtime import complete_task, start_process
from engine.work.inbox import ready_tasks
from tests.factories import PASSWORD, deploy_three_step, expense

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def demo(db):
    from engine.definitions.deploy import closure_files, deploy

    load_demo(PASSWORD)
    deploy(closure_files(ROOT / "workflows")["p1_project_intake"], "test")
    db.session.commit()


def _user(name: str) -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()


def _request(filer: str = "filer.d05u02") -> str:
    """A P1 request as 新建 starts it: a DRAFT project with its code as the instance's business key."""
    instance = start_process("p1_project_intake", _user(filer), {})
    db.session.commit()
    return instance.business_key


def _get(client, url: str, headers: dict) -> tuple[int, object, int | None]:
    reply = client.get(url, headers=headers)
    total = reply.headers.get("X-Total-Count")
    return reply.status_code, reply.get_json(), int(total) if total is not None else None


def test_project_library_pages_with_the_whole_count(client, demo, token_for):
    admin = token_for("admin")
    seen: list[str] = []
    for page, size in ((1, 7), (2, 7), (3, 6)):
        status, rows, total = _get(client, f"/api/v1/projects?per_page=7&page={page}", admin)
        assert (status, total, len(rows)) == (200, 20, size)
        seen += [r["code"] for r in rows]
    assert seen == sorted(seen) and len(set(seen)) == 20  # ordered by code, nothing twice or left out
    assert _get(client, "/api/v1/projects?per_page=7&page=4", admin) == (200, [], 20)  # beyond the end
    assert _get(client, "/api/v1/projects?per_page=7&page=99999", admin) == (200, [], 20)
    status, rows, total = _get(client, "/api/v1/projects?dept=D05", admin)
    assert status == 200 and total == len(rows) == 2 and {r["dept"] for r in rows} == {"D05"}
    status, rows, total = _get(client, "/api/v1/projects", token_for("filer.d05u02"))  # the unit's only
    assert status == 200 and total == len(rows) == 1 and rows[0]["unit"] == "D05-U02"


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "page=0", "page=-1", "per_page=²", "page=١",
                                   "page=99999999999999999999999", "per_page="])
def test_paging_bounds_are_field_errors(client, demo, token_for, query):
    admin = token_for("admin")
    for path in ("/projects", "/instances", "/me/done", "/me/started"):
        reply = client.get(f"/api/v1{path}?{query}", headers=admin)
        assert reply.status_code == 422, (path, query, reply.get_json())
        field = query.split("=")[0]
        assert list(reply.get_json()["errors"]) == [field] and reply.get_json()["errors"][field][0]


def test_started_supervised_and_done_lists_page(client, demo, token_for):
    codes = [_request() for _ in range(3)]
    filer = token_for("filer.d05u02")
    status, rows, total = _get(client, "/api/v1/me/started?per_page=2", filer)
    assert (status, total, [r["business_key"] for r in rows]) == (200, 3, codes[::-1][:2])  # newest first
    status, rows, total = _get(client, "/api/v1/me/started?per_page=2&page=2", filer)
    assert (total, [r["business_key"] for r in rows]) == (3, codes[:1])
    status, rows, total = _get(client, "/api/v1/instances?per_page=100", token_for("perf.1"))  # ALL scope
    assert total == 3 and {r["business_key"] for r in rows} == set(codes)
    assert _get(client, "/api/v1/instances?status=COMPLETED", token_for("perf.1"))[1:] == ([], 0)
    assert _get(client, "/api/v1/instances", token_for("dept.d01"))[1:] == ([], 0)  # another department
    assert _get(client, "/api/v1/instances", token_for("dept.d05"))[2] == 3
    assert client.get("/api/v1/instances?status=LOST", headers=filer).status_code == 422

    deploy_three_step()
    filer1 = _user("filer.d01u01")
    for _ in range(3):
        instance = start_process("ex_three_step_review", filer1, {})
        db.session.commit()
        complete_task(ready_tasks(instance.id)[0].id, filer1, expense())
        db.session.commit()
    status, rows, total = _get(client, "/api/v1/me/done?per_page=2&page=2", token_for("filer.d01u01"))
    assert (status, total, len(rows)) == (200, 3, 1) and rows[0]["status"] == "COMPLETED"
    assert _get(client, "/api/v1/me/done", filer)[1:] == ([], 0)


def test_project_page_in_scope_and_404_outside(client, demo, token_for):
    code = _request()
    project = db.session.scalars(select(Project).where(Project.code == code)).one()
    for who in ("filer.d05u02", "head.d05u02", "dept.d05", "perf.1", "fund.env", "obs.npc"):
        for ref in (code, str(project.id)):
            reply = client.get(f"/api/v1/projects/{ref}", headers=token_for(who))
            assert reply.status_code == 200, (who, ref)
            body = reply.get_json()
            assert body["project"]["code"] == code and body["project"]["library_status"] == "DRAFT"
            assert [i["business_key"] for i in body["instances"]] == [code]
            assert body["history"][0]["action"] == "start" and body["history"][0]["instance_id"]
    for who in ("filer.d01u02", "dept.d01", "fund.edu", "expert.e01", "tp.a.lead"):
        reply = client.get(f"/api/v1/projects/{code}", headers=token_for(who))
        assert reply.status_code == 404, who
        assert reply.get_json()["message"] == "项目不存在或您无权查看"
    admin = token_for("admin")
    for missing in ("P-D99-999", "00000000-0000-0000-0000-000000000000", "x" * 300):
        assert client.get(f"/api/v1/projects/{missing}", headers=admin).status_code == 404


def test_a_demo_project_shows_its_years_amounts(client, demo, token_for):
    body = client.get("/api/v1/projects/P-D05-001", headers=token_for("dept.d05")).get_json()
    years = body["project"]["years"]
    assert [y["fiscal_year"] for y in years] and all(y["requested"] for y in years)
    assert body["project"]["dept_name"] == "示例市生态环境局" and body["instances"] == []


def test_the_document_says_how_lists_page(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/projects", "/instances", "/me/done", "/me/started"):
        op = doc["paths"][path]["get"]
        params = {p["name"]: p for p in op["parameters"]}
        assert params["per_page"]["schema"]["maximum"] == 100 and params["page"]["schema"]["minimum"] == 1
        assert "X-Total-Count" in op["responses"]["200"]["headers"], path
        assert "422" in op["responses"]
    assert "404" in doc["paths"]["/projects/{id}"]["get"]["responses"]
