"""P1 domain layer against a real PostgreSQL: demo data, service handlers and the task handlers the
shipped models name (called the way the engine calls them). Uses the shared
`db` fixture of tests/conftest.py (real PostgreSQL, tables emptied after each test)."""
from __future__ import annotations

import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

import budget  # noqa: F401
from budget.demo import load_demo
from budget.models import Engagement, ExpertPanelResult, Project, ProjectYear
from engine.base.hooks import REGISTRY, ServiceContext, TaskCompleted
from engine.base.identity import RoleAssignment, User
from tests.shipped import handler_name


@pytest.fixture()
def demo(db):
    return load_demo("demo-pass-1")


def user(db, username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def call(name: str, data: dict | None = None, instance_id: uuid.UUID | None = None, actor=None, **params):
    ctx = ServiceContext(instance=SimpleNamespace(id=instance_id or uuid.uuid4()), task_id="t1",
                         task_name="st_test", data=data or {}, actor=actor)
    return REGISTRY.services[name](ctx, **params)


def complete(task: str, lane: str, keys: list[str], mode: str | None, submission: dict, data: dict, actor):
    """Complete the shipped user task `task`: its model's `completionHandler` gets the event."""
    event = TaskCompleted(instance=SimpleNamespace(id=uuid.uuid4()),
                          task=SimpleNamespace(task_name=task, lane=lane), form_keys=keys, form_mode=mode,
                          submission=submission, data={**data, **submission}, actor=actor)
    name = handler_name(task)
    if name is not None:
        REGISTRY.task_handlers[name].complete(event)


# ---------------------------------------------------------------- demo data
def test_load_demo_counts_and_is_idempotent(db, demo):
    totals = demo["totals"]
    assert totals == {"users": 97, "projects": 20, "project_years": 46, "departments": 30, "experts": 12,
                      "firms": 5}
    roles = dict(db.session.execute(select(RoleAssignment.role, func.count()).group_by(RoleAssignment.role)).all())
    assert roles == {"UNIT_FILER": 19, "UNIT_HEAD": 19, "DEPT_OFFICER": 11, "DEPT_HEAD": 11, "FIN_FUND": 6,
                     "FIN_BUDGET": 1, "FIN_PERF": 2, "FIN_CENTER": 1, "FIN_TREASURY": 1, "FIN_LEADER": 1,
                     "OBS_NPC": 1, "OBS_AUDIT": 1, "TP_LEAD": 5, "THIRD_PARTY": 5, "EXPERT": 12, "SYS_ADMIN": 1}
    filer = user(db, "filer.d03u02")
    assert filer.check_password("demo-pass-1") and filer.name == "示例市公共交通服务中心 经办人"
    assert [(r.role, r.scope_type, r.scope_id) for r in filer.roles] == [("UNIT_FILER", "UNIT", "D03-U02")]
    assert user(db, "filer.d03u01").name == "示例市交通运输局 经办人"
    assert [(r.scope_type, r.scope_id) for r in user(db, "fund.soc").roles] == [("DIVISION", "FD-SOC")]

    p = db.session.scalars(select(Project).where(Project.code == "P-D03-002")).one()
    assert p.library_status == "ACTIVE" and p.cost_catalog and p.special_type == ["GOV_PURCHASE_SERVICE"]
    assert [(y.fiscal_year, y.requested) for y in p.years] == [
        (2024, Decimal("270000000.00")), (2025, Decimal("280000000.00")), (2026, Decimal("280000000.00"))]
    fy26 = db.session.scalar(select(func.sum(ProjectYear.requested)).where(ProjectYear.fiscal_year == 2026))
    assert fy26 == Decimal("2291580000.00")  # 229,158 万元 (§8.3 totals)
    new = db.session.scalars(select(Project).where(Project.code == "P-D02-001")).one()
    assert new.library_status == "IN_LIBRARY" and new.total_amount == Decimal("360000000.00")

    again = load_demo("another-password")
    assert again["created"] == {} and again["totals"] == totals
    assert user(db, "filer.d03u02").check_password("demo-pass-1")  # untouched


# ---------------------------------------------------------------- CA-1 experts
def test_experts_select_excludes_conflicts_and_includes_fiscal_expert(db, demo):
    iid = uuid.uuid4()
    r = call("experts.select", instance_id=iid, panel_type="EXANTE", domain="HEALTH", n_experts=3, dept_code="D02")
    assert len(r["experts"]) == 3 and len(set(r["experts"])) == 3
    assert "expert.e05" not in r["experts"]
    assert r["excluded"][0]["username"] == "expert.e05" and "D02" in r["excluded"][0]["reason"]
    assert any(u in r["experts"] for u in ("expert.e01", "expert.e02", "expert.e03"))
    again = call("experts.select", instance_id=iid, panel_type="EXANTE", domain="HEALTH", n_experts=3,
                 dept_code="D02")
    assert again == r  # deterministic per instance + panel type

    for _ in range(10):  # domain expert first, always a fiscal-performance expert
        r = call("experts.select", panel_type="JOINT", domain="AGRICULTURE", n_experts=5, dept_code="D04")
        assert r["experts"][0] == "expert.e07" and len(r["experts"]) == 5 and r["excluded"] == []
        assert {"expert.e01", "expert.e02", "expert.e03"} & set(r["experts"])


def test_panel_aggregate_writes_the_panel_result(db, demo):
    ops = [{"expert": f"expert.e0{i}", "dim_necessity": Decimal(20), "dim_economy": Decimal(15),
            "dim_target": Decimal(16), "dim_feasibility": Decimal(16), "dim_financing": Decimal(13),
            "total_score": Decimal(t), "expert_verdict": v, "comment": "意见", "absent": False}
           for i, t, v in ((1, "80", "SUPPORT"), (2, "84", "SUPPORT"), (3, "70", "NOT_SUPPORT"))]
    ops.append({"expert": "expert.e04", "absent": True})
    data = {"project_id": str(uuid.uuid4()), "excluded": [{"username": "expert.e05", "reason": "回避"}]}
    r = call("panel.aggregate", data=data, panel_type="EXANTE", opinions=ops)
    assert r["panel_score"] == Decimal("78.00") and r["panel_verdict_proposed"] == "PASS" and r["panel_any_reject"]
    row = db.session.scalars(select(ExpertPanelResult)).one()
    assert row.panel_score == Decimal("78.00") and row.panel_verdict == "PASS"
    assert row.excluded == [{"username": "expert.e05", "reason": "回避"}] and row.opinions[0]["total_score"] == "80"


# ---------------------------------------------------------------- CA-2 third parties
def test_thirdparty_candidates_never_suspended_and_ranked(db, demo):
    r = call("thirdparty.candidates", engagement_type="EXANTE", dept_code="D02")["tp_candidates"]
    assert [c["code"] for c in r] == ["TP-A", "TP-B", "TP-C", "TP-D"]
    assert r[0]["leads"] == ["tp.a.lead"]
    from budget.models import ThirdPartyOrg

    db.session.scalars(select(ThirdPartyOrg).where(ThirdPartyOrg.code == "TP-A")).one().conflict_orgs = ["D02"]
    r = call("thirdparty.candidates", engagement_type="EXANTE", dept_code="D02-U01")["tp_candidates"]
    assert [c["code"] for c in r] == ["TP-B", "TP-C", "TP-D"]


def test_engagement_create(db, demo):
    data = {"dept_code": "D02", "training_done": True}
    r = call("engagement.create", data=data, engagement_type="EXANTE", firm="TP-C", tp_lead="tp.c.lead",
             contract_amount=Decimal("12.5"), object_id="P-D02-001")
    e = db.session.get(Engagement, uuid.UUID(r["engagement_id"]))
    assert e.contract_amount == Decimal("125000.00") and e.status == "PROPOSED" and e.training_done
    with pytest.raises(ValueError, match="暂停"):
        call("engagement.create", data=data, engagement_type="EXANTE", firm="TP-E", tp_lead="tp.e.lead",
             contract_amount=Decimal(10), object_id="x")
    with pytest.raises(ValueError, match="主评人"):
        call("engagement.create", data=data, engagement_type="EXANTE", firm="TP-B", tp_lead="tp.c.lead",
             contract_amount=Decimal(10), object_id="x")
