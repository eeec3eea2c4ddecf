"""The migration preview is paged (issue 13 point 4, docs/design.md "Paging"): each instance is
migrated in memory for the preview, so a version with thousands of running instances must not be
one request. The API takes page/per_page and answers X-Total-Count; the page shows 20/50/100 with
the pager; the batch can still take every instance of the version, queued."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.base.model_admin import MigrationRun
from engine.definitions.deploy import deploy
from engine.moves.runtime import start_process
from tests.factories import EXAMPLE_MODEL, PASSWORD, deploy_example, make_user
from tests.integration.test_versions import variant

KEY = "ex_two_step_approval"
RUNNING = 23


@pytest.fixture()
def on_v1(db):
    deploy_example()
    filer = make_user("pg_filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("pg_admin", ("SYS_ADMIN", "ALL", None))
    db.session.commit()
    ids = []
    for _ in range(RUNNING):
        ids.append(str(start_process(KEY, filer).id))
        db.session.commit()
    deploy({EXAMPLE_MODEL.name: variant(add_precheck=True)}, "pg_admin")
    db.session.commit()
    return ids


def test_the_api_preview_pages_with_a_total(client, on_v1, token_for):
    admin, url = token_for("pg_admin"), f"/api/v1/process-models/{KEY}/migrations/preview"
    seen = []
    for page, size in ((1, 10), (2, 10), (3, 3)):
        reply = client.post(f"{url}?page={page}&per_page=10", json={"from": 1, "to": 2}, headers=admin)
        assert reply.status_code == 200 and reply.headers["X-Total-Count"] == str(RUNNING)
        assert len(reply.get_json()) == size and all(row["ok"] for row in reply.get_json())
        seen += [row["instance_id"] for row in reply.get_json()]
    assert sorted(seen) == sorted(on_v1)  # oldest first, no row twice, none left out
    beyond = client.post(f"{url}?page=9&per_page=10", json={"from": 1, "to": 2}, headers=admin)
    assert beyond.get_json() == [] and beyond.headers["X-Total-Count"] == str(RUNNING)
    default = client.post(url, json={"from": 1, "to": 2}, headers=admin)
    assert len(default.get_json()) == RUNNING  # 50 a page unless asked
    for bad in ("per_page=101", "per_page=0", "page=0"):
        refused = client.post(f"{url}?{bad}", json={"from": 1, "to": 2}, headers=admin)
        assert refused.status_code == 422 and bad.split("=")[0] in refused.get_json()["errors"], bad
    documented = client.get("/api/v1/openapi.json").get_json()["paths"][
        "/process-models/{key}/migrations/preview"]["post"]
    assert {p["name"] for p in documented["parameters"] if p["in"] == "query"} >= {"page", "per_page"}
    assert "X-Total-Count" in documented["responses"]["200"]["headers"]


def test_the_page_shows_one_page_and_can_migrate_them_all(app, db, on_v1):
    admin = app.test_client()
    assert admin.post("/login", data={"username": "pg_admin", "password": PASSWORD}).status_code == 302
    base = f"/admin/models/{KEY}/migrations?from=1&to=2"
    first = admin.get(base).get_data(as_text=True)
    assert first.count('name="instance_id"') == 20
    assert f"共 <strong>{RUNNING}</strong> 个流程；本页 20 个中 <strong>20</strong> 个可以迁移" in first
    assert 'rel="next"' in first and f"迁移第1版全部 {RUNNING} 个运行中和已暂停的流程" in first
    second = admin.get(f"{base}&page=2").get_data(as_text=True)
    assert second.count('name="instance_id"') == RUNNING - 20
    started = admin.post(f"/admin/models/{KEY}/migrations", data={
        "from": "1", "to": "2", "reason": "全部迁移", "all": "1", "instance_id": on_v1[:1]})
    assert started.status_code == 302
    run = db.session.scalar(select(MigrationRun))
    assert (run.total, run.status) == (RUNNING, "QUEUED")  # every instance of version 1, queued
