"""The senders of msg_start_rectification (issue 12 point 2) on PostgreSQL and the real engine:
P3's F-11 decision, the periodic pickup of what waited for P7, and registered evaluation / audit
findings — one message per source event however often it is sent. Until P7 is on main the catcher
is a deployed stand-in process (tests/models/rect_start_stub.bpmn)."""
from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from p3_calls_driver import FUND, LONG, Run, setup, warning, year
from sqlalchemy import func, select

from budget.models import Project, RectificationRequest, RectificationSource
from budget.rect_sources import pickup
from budget.rect_sources.registration import Registration, register
from engine.base.db import db
from engine.base.errors import Forbidden, NotFound, ValidationFailed
from engine.base.identity import User
from engine.base.models import Message, ProcessInstance
from engine.definitions.deploy import deploy
from engine.time import clock
from tests.factories import make_user

STUB = Path(__file__).resolve().parents[1] / "models" / "rect_start_stub.bpmn"
NAME = "msg_start_rectification"


@pytest.fixture()
def fy(db):
    return setup()


def deploy_catcher() -> None:
    deploy({"rect_start_stub.bpmn": STUB.read_bytes()}, "test")
    db.session.commit()


def messages() -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.name == NAME)))


def stub_instances() -> int:
    return db.session.scalar(select(func.count()).select_from(ProcessInstance)
                             .where(ProcessInstance.process_key == "rect_start_stub"))


def f11_rectification() -> RectificationRequest:
    w = warning()
    run = Run("f11", warning_id=w.id)
    run.do(FUND, "ut_p3_fund_followup", {"decision": "START_RECTIFICATION", "reason": LONG})
    clock.tick()
    db.session.expire_all()
    (request,) = db.session.scalars(select(RectificationRequest)).all()
    assert request.source_id == w.id
    return request


def test_f11_request_waits_without_p7_and_is_picked_up_once_p7_is_deployed(fy):
    request = f11_rectification()
    assert request.status == "WAITING_P7" and messages() == []  # nothing catches it: nothing is posted
    descriptions = [f["description"] for f in request.findings]
    assert descriptions[-1] == LONG and "滞后" in descriptions[0]  # the warning's reasons with the lag, then F-11's text
    assert {f["severity"] for f in request.findings} == {"HIGH"}  # a RED warning
    assert pickup.pick_up_rectification_sources(datetime.now(UTC)) == 0
    deploy_catcher()
    assert pickup.pick_up_rectification_sources(datetime.now(UTC)) == 1
    db.session.expire_all()
    request = db.session.get(RectificationRequest, request.id)
    (message,) = messages()
    assert message.client_id == f"rectification:MONITORING:{request.source_id}"
    assert message.correlation == {"source_type": "MONITORING", "source_id": str(request.source_id)}
    assert message.payload["findings"] == request.findings and message.payload["fiscal_year"] == year().fiscal_year
    assert message.payload["project_id"] == str(year().project_id)
    assert message.payload["monitoring_red_unresolved"] is True
    assert (request.status, request.p7_instance_id, request.message_id) == ("STARTED", message.delivered_to[0], message.id)
    assert request.instance_id != request.p7_instance_id  # the P3 instance stays where it was
    # Again: nothing waits, nothing is sent; a repeat of the send is the same message (a duplicate).
    assert pickup.pick_up_rectification_sources(datetime.now(UTC)) == 0
    request.status = "WAITING_P7"
    db.session.commit()
    assert pickup.send_request(request.id) is True
    assert len(messages()) == 1 and stub_instances() == 1


def test_f11_request_is_sent_by_the_next_tick_when_p7_is_deployed(fy):
    deploy_catcher()
    request = f11_rectification()
    (message,) = messages()
    assert request.status == "STARTED" and request.p7_instance_id == message.delivered_to[0]
    assert message.sender == FUND and stub_instances() == 1


def perf_user() -> User:
    return db.session.scalar(select(User).where(User.username == "perf.1"))


def registration(key: str = "form-1", source_type: str = "FISCAL_KEY_EVAL", **over) -> Registration:
    values = dict(source_type=source_type, project_id=year().project_id, eval_year=year().fiscal_year,
                  findings=[{"description": "绩效目标设置不够细化，产出指标缺少量化标准", "category": "目标管理",
                             "severity": "HIGH", "owner_unit": "D04-U01", "suggested_measure": "细化量化指标"},
                            {"description": "", "category": "", "severity": "", "owner_unit": "",
                             "suggested_measure": ""}],
                  client_key=key, score=Decimal("78.5"), large_diff=True)
    return Registration(**{**values, **over})


def test_registration_makes_one_source_and_one_message(fy):
    deploy_catcher()
    source, made = register(perf_user(), registration())
    assert made and source.message_status == "STARTED" and source.grade == "中"  # DT-08: 60 ≤ 78.5 < 80
    assert source.source_label == f"{year().fiscal_year}年度 财政重点评价 78.5分（中）"
    assert len(source.findings) == 1  # the blank grid row is no finding
    (message,) = messages()
    assert message.client_id == f"rectification:FISCAL_KEY_EVAL:{source.id}" and message.sender == "perf.1"
    assert message.payload["grade"] == "中" and message.payload["score"] == "78.50" and message.payload["large_diff"]
    assert source.instance_id == message.delivered_to[0]
    again, made = register(perf_user(), registration())  # the same form posted again
    assert (again.id, made) == (source.id, False)
    assert len(messages()) == 1 and stub_instances() == 1
    other, made = register(perf_user(), registration("form-2"))  # another registration: another source event
    assert made and other.id != source.id and len(messages()) == 2


def test_registration_without_p7_waits_and_is_picked_up(fy):
    source, _ = register(perf_user(), registration())
    assert source.message_status == "WAITING_P7" and messages() == []
    deploy_catcher()
    assert pickup.pick_up_rectification_sources(datetime.now(UTC)) == 1
    db.session.expire_all()
    assert db.session.get(RectificationSource, source.id).message_status == "STARTED" and len(messages()) == 1


def test_eight_threads_submitting_the_same_form_make_one_source_and_one_message(fy, app):
    deploy_catcher()
    start, errors, ids = threading.Barrier(8), [], []

    def submit() -> None:
        with app.app_context():
            try:
                start.wait()
                source, _ = register(perf_user(), registration("same-form"))
                ids.append(source.id)
            except Exception as err:  # noqa: BLE001
                errors.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(set(ids)) == 1 and len(ids) == 8
    assert db.session.scalar(select(func.count()).select_from(RectificationSource)) == 1
    assert len(messages()) == 1 and stub_instances() == 1


def test_roles_types_scope_and_field_errors(fy):
    filer = make_user("rs_filer", ("UNIT_FILER", "UNIT", "D04-U01"))
    auditor = make_user("rs_audit", ("OBS_AUDIT", "ALL", None))
    narrow = make_user("rs_perf_d01", ("FIN_PERF", "DEPARTMENT", "D01"))
    db.session.commit()
    with pytest.raises(Forbidden):
        register(filer, registration())
    with pytest.raises(ValidationFailed) as refused:
        register(auditor, registration())  # an auditor registers audit findings only
    assert refused.value.errors == {"source_type": ["您可登记的来源类型：审计发现"]}
    with pytest.raises(NotFound):
        register(narrow, registration())  # D04's project is outside D01's scope
    with pytest.raises(NotFound):
        register(perf_user(), registration(project_id=uuid.uuid4()))
    bad = [{"description": "短", "category": "", "severity": "SEVERE", "owner_unit": "NOPE"}]
    with pytest.raises(ValidationFailed) as refused:
        register(perf_user(), registration(findings=bad, eval_year=1999))
    assert refused.value.errors == {
        "findings.0.description": ["请填写问题描述（至少 5 字）"], "findings.0.category": ["请填写问题类别"],
        "findings.0.severity": ["严重程度须为 严重、一般 或 轻微"], "findings.0.owner_unit": ["责任单位不存在"],
        "eval_year": ["该项目没有 1999 年度的预算"]}
    with pytest.raises(ValidationFailed) as refused:
        register(perf_user(), registration(findings=[]))
    assert refused.value.errors == {"findings": ["请至少填写一条问题"]}
    source, _ = register(auditor, registration("audit-1", "AUDIT"))
    assert (source.source_type, source.score, source.grade, source.large_diff) == ("AUDIT", None, None, False)
    assert source.source_label == f"{year().fiscal_year}年度 审计发现"
    assert db.session.scalar(select(func.count()).select_from(Project)) > 0



def _token(client, username: str) -> dict[str, str]:
    from tests.factories import PASSWORD

    reply = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.get_json()
    return {"Authorization": f"Bearer {reply.get_json()['token']}"}


def test_api_registers_once_lists_and_refuses(fy, client):
    for name, role in (("rs_api_perf", ("FIN_PERF", "ALL", None)), ("rs_api_audit", ("OBS_AUDIT", "ALL", None)),
                       ("rs_api_filer", ("UNIT_FILER", "UNIT", "D04-U01")),
                       ("rs_api_d01", ("FIN_PERF", "DEPARTMENT", "D01"))):
        make_user(name, role)
    deploy_catcher()
    db.session.commit()
    perf, audit, filer, d01 = (_token(client, n) for n in ("rs_api_perf", "rs_api_audit", "rs_api_filer", "rs_api_d01"))
    body = {"source_type": "RE_EVAL", "project_id": str(year().project_id), "eval_year": year().fiscal_year,
            "score": "58", "findings": [{"description": "项目资金使用效益不高，部分设备闲置", "category": "资金使用",
                                        "severity": "HIGH"}], "idempotency_key": "api-1"}
    first = client.post("/api/v1/rectification-sources", json=body, headers=perf)
    assert first.status_code == 201, first.get_json()
    made = first.get_json()
    assert (made["created"], made["grade"], made["message_status"]) == (True, "差", "STARTED")
    again = client.post("/api/v1/rectification-sources", json=body, headers=perf).get_json()
    assert (again["id"], again["created"]) == (made["id"], False) and len(messages()) == 1
    assert client.post("/api/v1/rectification-sources", json=body, headers=filer).status_code == 403
    assert client.post("/api/v1/rectification-sources", json={}, headers=filer).status_code == 403  # role first
    refused = client.post("/api/v1/rectification-sources", json={**body, "idempotency_key": "api-2"}, headers=audit)
    assert refused.status_code == 422 and refused.get_json()["errors"] == {"source_type": ["您可登记的来源类型：审计发现"]}
    outside = client.post("/api/v1/rectification-sources", json={**body, "idempotency_key": "api-3"}, headers=d01)
    assert outside.status_code == 404
    bad = client.post("/api/v1/rectification-sources", json={"source_type": "X", "score": "120"}, headers=perf)
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert errors["source_type"] == ["来源类型无效"] and errors["score"] == ["得分须在 0–100 之间"]
    assert errors["project_id"] == ["请选择项目"] and errors["idempotency_key"] == ["请给出表单编号（同一编号只登记一次）"]
    audited = client.post("/api/v1/rectification-sources", headers=audit, json={
        **body, "source_type": "AUDIT", "idempotency_key": "api-4"})
    assert audited.status_code == 201 and audited.get_json()["score"] is None
    listed = client.get("/api/v1/rectification-sources", headers=perf)
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "2"
    assert [r["source_type"] for r in listed.get_json()] == ["AUDIT", "RE_EVAL"]
    assert [r["source_type"] for r in client.get("/api/v1/rectification-sources", headers=audit).get_json()] == ["AUDIT"]
    assert client.get("/api/v1/rectification-sources", headers=filer).status_code == 403
    assert client.get("/api/v1/rectification-sources", headers=d01).get_json() == []


def _sign_in(client, username: str) -> None:
    from tests.factories import PASSWORD

    client.post("/login", data={"username": username, "password": PASSWORD})


def test_page_registers_once_and_shows_chinese_errors(fy, client, app):
    app.config["WTF_CSRF_ENABLED"] = False
    make_user("rs_pg_perf", ("FIN_PERF", "ALL", None))
    make_user("rs_pg_audit", ("OBS_AUDIT", "ALL", None))
    make_user("rs_pg_filer", ("UNIT_FILER", "UNIT", "D04-U01"))
    db.session.commit()
    _sign_in(client, "rs_pg_filer")
    assert client.get("/rectification-sources").status_code == 403
    client.post("/logout")
    _sign_in(client, "rs_pg_perf")
    page = client.get("/rectification-sources").get_data(as_text=True)
    project = db.session.get(Project, year().project_id)
    assert project.name in page and "财政重点评价" in page and "审计发现" not in page
    form = {"project_id": str(project.id), "source_type": "SPOT_CHECK", "eval_year": str(year().fiscal_year),
            "score": "85", "idempotency_key": "page-1", "findings.0.description": "短",
            "findings.0.category": "", "findings.0.severity": "MEDIUM"}
    refused = client.post("/rectification-sources", data=form)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "请填写问题描述（至少 5 字）" in text and "请填写问题类别" in text
    form |= {"findings.0.description": "抽查发现部分项目资料不全", "findings.0.category": "资料管理"}
    for _ in range(2):  # a double click
        assert client.post("/rectification-sources", data=form).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RectificationSource)) == 1
    (source,) = db.session.scalars(select(RectificationSource)).all()
    assert (source.grade, source.message_status) == ("良", "WAITING_P7")
    client.post("/logout")
    _sign_in(client, "rs_pg_audit")
    page = client.get("/rectification-sources").get_data(as_text=True)
    assert "登记审计发现" in page and "评价得分" not in page and "抽查复核" not in page  # fewer fields, own list
