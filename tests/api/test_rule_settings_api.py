"""Rule packs and thresholds per jurisdiction through the API (issue 13 point 3): a draft, Chinese
422s, activation from an effective date (audited, told to FIN_PERF and SYS_ADMIN), the version in
force picked by the engine clock and read by P1's start; an instance's decisions with their "why"
(out of scope: 404); the decision tables' API (draft with a cell, what-if, activate) for the
administrator only."""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from budget.demo import load_demo
from budget.models import Jurisdiction
from engine.base.db import utcnow
from engine.base.decision_models import DecisionRecord
from engine.base.models import AuditEvent, Notification
from engine.time import clock
from tests.factories import PASSWORD

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from p1_driver import Flow, deploy_p1  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture()
def demo(db):
    load_demo(PASSWORD)
    deploy_p1()
    return db


def test_rule_packs_versioned_audited_and_picked_by_date(demo, client, token_for):
    admin, perf = token_for("admin"), token_for("perf.1")
    j = demo.session.scalar(select(Jurisdiction))
    url = f"/api/v1/jurisdictions/{j.code}/rule-settings"
    before = client.get(url, headers=admin).get_json()
    assert before["in_force"]["version"] is None and before["versions"] == []

    assert client.get(url, headers=perf).status_code == 403
    assert client.post(url, headers=perf, json={"packs": ["CORE"]}).status_code == 403
    bad = client.post(url, headers=admin, json={"packs": ["CORE", "XX"]})
    assert bad.status_code == 422 and bad.get_json()["errors"]["packs"] == ["未知的规则包：XX"]
    bad = client.post(url, headers=admin, json={"packs": ["SD"], "rule_params": {"warn_start_month": 13}})
    assert bad.get_json()["errors"] == {"packs": ["通用规则（CORE）必须启用"], "rule_params": ["预警起始月须为 1–12 的整数"]}

    draft = client.post(url, headers=admin, json={"packs": ["SD", "CORE"], "rule_params": {"warn_start_month": 5},
                                                 "note": "启用山东规则包"})
    assert draft.status_code == 201
    assert (draft.get_json()["version"], draft.get_json()["status"], draft.get_json()["packs"]) == (1, "DRAFT", ["CORE", "SD"])
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    active = client.post(f"{url}/1/activate", headers=admin, json={"effective_from": tomorrow})
    assert active.status_code == 200 and active.get_json()["status"] == "ACTIVE"
    assert client.post(f"{url}/1/activate", headers=admin, json={}).status_code == 409
    audit = demo.session.scalar(select(AuditEvent).where(AuditEvent.action == "rule_settings_activated"))
    assert audit.actor == "admin" and audit.detail["packs"] == ["CORE", "SD"]
    told = set(demo.session.scalars(select(Notification.username).where(Notification.kind == "rule_version")))
    assert {"perf.1", "perf.2", "admin"} <= told

    assert client.get(url, headers=admin).get_json()["in_force"]["version"] is None  # not yet effective
    clock.travel_to(utcnow() + timedelta(days=2))
    now = client.get(url, headers=admin).get_json()["in_force"]
    assert (now["version"], now["packs"], now["rule_params"]) == (1, ["CORE", "SD"], {"warn_start_month": 5})

    flow = Flow("P-D05-002", year=None)  # P1 starts with the packs in force
    flow.fill()
    flow.unit_approve()
    flow.dept_review()  # DT-05 and DT-01 run after the department's review
    dt05 = demo.session.scalar(select(DecisionRecord).where(DecisionRecord.instance_id == flow.instance.id,
                                                            DecisionRecord.decision_id == "dt_05_major_key"))
    assert dt05.packs == ["CORE", "SD"]

    mine = client.get(f"/api/v1/instances/{flow.instance.id}/decisions", headers=token_for(flow.filer.username))
    assert mine.status_code == 200
    (d05,) = [d for d in mine.get_json() if d["decision_id"] == "dt_05_major_key"]
    assert d05["why"] == "DT-05 重大/重点项目认定：没有命中任何一行，未给出结果" and d05["table_version"] == 1
    other = client.get(f"/api/v1/instances/{flow.instance.id}/decisions", headers=token_for("filer.d01u01"))
    assert other.status_code == 404


def test_decision_table_api_for_the_administrator(demo, client, token_for):
    admin = token_for("admin")
    tables = {t["decision_id"]: t for t in client.get("/api/v1/decision-tables", headers=admin).get_json()}
    assert tables["dt_05_major_key"]["in_force"] == 1
    assert client.get("/api/v1/decision-tables", headers=token_for("perf.1")).status_code == 403
    base = "/api/v1/decision-tables/dt_05_major_key/versions"
    bad = client.post(base, headers=admin, json={"cells": {"dt05_r2_in3": "max(?, annual_wan) >= "}})
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["dt05_r2_in3"] == ["第 2 行“申请财政资金(万元)”列：表达式语法错误（第 22 列附近）"]
    made = client.post(base, headers=admin, json={"cells": {"dt05_r2_in3": "max(?, annual_wan) >= 200"},
                                                  "note": "重大项目门槛试调为 200 万元"})
    assert made.status_code == 201 and made.get_json()["version"] == 2 and made.get_json()["based_on"] == 1
    flow = Flow("P-D05-002", year=None)
    flow.fill()
    flow.unit_approve()
    flow.dept_review()  # DT-05 for 299 万: not major under version 1, major under the draft
    what_if = client.post(f"{base}/2/what-if", headers=admin)
    assert what_if.status_code == 200
    body = what_if.get_json()
    assert body["status"] == "DONE" and body["against_version"] == 1
    (changed,) = body["changed"]
    assert changed["instance_id"] == str(flow.instance.id)
    assert (changed["old_rows"], changed["new_rows"]) == ([], ["dt05_r2"])
    assert client.post(f"{base}/2/activate", headers=admin, json={}).get_json()["status"] == "ACTIVE"
    versions = client.get(base, headers=admin).get_json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "ACTIVE"), (1, "ACTIVE")]
    assert client.post(f"{base}/x/what-if", headers=admin).status_code == 404
