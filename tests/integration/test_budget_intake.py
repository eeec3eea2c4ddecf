"""P1 intake end to end at the domain level: new request, F-01+F-04 filing, reviews, ex-ante,
entering the library, and the F-01 database checks."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import test_budget_p1 as shared  # fixtures and helpers (same folder: pytest puts it on sys.path)
from sqlalchemy import select

from budget.calc.status import IllegalTransition
from budget.models import ExAnteAssessment, Indicator, PerformanceTarget, Project, ReviewOpinion
from budget.p1_intake.intake import CodeRefused, new_request
from engine.base.hooks import REGISTRY, TaskCompleted
from tests.shipped import handler_name

W = Decimal
demo = shared.demo  # fixture; `db` comes from tests/conftest.py
call, complete, user = shared.call, shared.complete, shared.user


def indicator(l1, l2, name, value, unit, weight, op="GE"):
    return {"l1": l1, "l2": l2, "name": name, "kind": "QUANT", "operator": op, "target_value": W(value),
            "unit": unit, "weight": W(weight), "value_basis": "PLAN", "calc_method": "按年度统计口径计算",
            "data_source": "交通运输局统计台账", "is_core": False}


def application(name="农村公路安全生命防护工程", **over):
    """A realistic F-01 + F-04 clean submission (money in 万元, as the form delivers it)."""
    sub = {
        "name": name, "object_type": "PROJECT", "project_class": "SPECIFIC", "function_category": "214",
        "domain_tags": ["CONSTRUCTION"], "special_type": [], "one_off_type": "CAPITAL_CONSTRUCTION",
        "new_or_continuing": "NEW", "start_year": 2026, "end_year": 2028, "policy_intensive": False,
        "legal_basis": "《示例省农村公路条例》及市政府常务会议纪要〔2025〕12号",
        "necessity_text": "全市农村公路临水临崖路段安全防护设施缺失较多，" * 3,
        "content_text": "新建波形护栏、警示标志及减速设施，整治急弯陡坡路段，" * 3,
        "annual_requests": [{"year": 2026, "fiscal_amount": W("1200.5"), "other_amount": W(0)},
                            {"year": 2027, "fiscal_amount": W(800), "other_amount": W(100)},
                            {"year": 2028, "fiscal_amount": W(500), "other_amount": W(0)}],
        "funding_source": "GENERAL", "total_amount": W("2600.5"), "responsible_person": "head.d03u01",
        "scope_districts": 8, "beneficiaries": 120000, "large_influence": False, "is_classified": False,
        "framework": "FW88", "overall_goal": "三年内完成全市农村公路安全隐患路段整治，事故率明显下降。",
        "annual_goal": "2026年完成隐患路段整治300公里，新增护栏150公里。", "has_service_objects": True,
        "indicators": [
            indicator("OUTPUT", "OUT_QTY", "隐患路段整治里程", 300, "公里", 20),
            indicator("OUTPUT", "OUT_QLT", "工程验收合格率", 100, "%", 15, "EQ"),
            indicator("OUTPUT", "OUT_TIME", "年度任务完成率", 90, "%", 10),
            indicator("OUTPUT", "OUT_COST", "每公里综合造价", 38, "万元/公里", 5, "LE"),
            indicator("EFFECT", "EFF_SOC", "隐患路段事故下降率", 20, "%", 30),
            indicator("SATISFACTION", "SAT_SERVICE", "沿线群众满意度", 90, "%", 10),
        ],
    }
    sub.update(over)
    return sub


@pytest.fixture()
def request_d03(db, demo):
    filer = user(db, "filer.d03u01")
    return filer, new_request(filer, request_year=2026)


def test_new_request_creates_the_draft_and_initial_data(db, request_d03):
    _, started = request_d03
    data = started["data"]
    assert started["business_key"] == data["project_code"] == "P-D03-003"  # after the demo's 001, 002
    assert (started["scope_unit"], started["scope_dept"], started["scope_division"]) == ("D03-U01", "D03", "FD-ECO")
    assert data["packs"] == ["CORE", "SD", "SZ", "QP", "FJ", "JN"] and data["domain"] == "TRANSPORT"
    assert data["request_year"] == 2026 and data["in_year"] is False and data["is_major_flag"] is False
    assert db.session.get(Project, uuid.UUID(data["project_id"])).library_status == "DRAFT"
    with pytest.raises(PermissionError):
        new_request(user(db, "filer.d03u01"), unit_code="D04-U01")


def test_new_request_with_an_explicit_code(db, demo):
    """An import of a project known by its code: the code is used when it is of the department's
    pattern and free; otherwise refused (and nothing is created)."""
    filer = user(db, "filer.d03u01")
    for code, why in (("P-D3-7", "格式"), ("P-D04-009", "不属于"), ("P-D03-002", "已被使用")):
        with pytest.raises(CodeRefused, match=why):
            new_request(filer, request_year=2026, code=code)
    started = new_request(filer, request_year=2026, code="P-D03-009")
    assert started["business_key"] == started["data"]["project_code"] == "P-D03-009"
    assert new_request(filer, request_year=2026)["business_key"] == "P-D03-010"  # numbering goes on after it


def test_fill_writes_project_years_target_and_indicators(db, request_d03):
    filer, started = request_d03
    data = started["data"]
    complete("ut_p1_fill", "UNIT_FILER", ["F-01", "F-04"], None, application(), data, filer)
    p = db.session.scalars(select(Project).where(Project.code == "P-D03-003")).one()
    assert p.name == "农村公路安全生命防护工程" and p.one_off_type == "CAPITAL_CONSTRUCTION"
    assert p.responsible_person_id == user(db, "head.d03u01").id and p.total_amount == W("26005000.00")
    assert [(y.fiscal_year, y.requested, y.requested_other) for y in p.years] == [
        (2026, W("12005000.00"), W("0.00")), (2027, W("8000000.00"), W("1000000.00")), (2028, W("5000000.00"), W("0.00"))]
    t = db.session.scalars(select(PerformanceTarget)).one()
    assert (t.version_no, t.status, t.framework) == (1, "SUBMITTED", "FW88") and p.year(2026).target_id == t.id
    assert [i.name for i in t.indicators][0] == "隐患路段整治里程" and len(t.indicators) == 6
    assert t.indicators[3].operator == "LE" and t.indicators[3].target_value == W(38)

    # Unit head returns, filer refiles: a new target version, the old one superseded.
    complete("ut_p1_unit_approve", "UNIT_HEAD", ["F-00"], None, {"verdict": "RETURN", "comment": "请补充测算依据"},
             data, user(db, "head.d03u01"))
    complete("ut_p1_fill", "UNIT_FILER", ["F-01", "F-04"], None, application(), data, filer)
    assert [(t.version_no, t.status) for t in db.session.scalars(
        select(PerformanceTarget).order_by(PerformanceTarget.version_no))] == [(1, "SUPERSEDED"), (2, "SUBMITTED")]
    assert db.session.query(Indicator).count() == 12


def test_reviews_exante_and_entering_the_library(db, request_d03):
    filer, started = request_d03
    data = started["data"]
    complete("ut_p1_fill", "UNIT_FILER", ["F-01", "F-04"], None, application(), data, filer)
    complete("ut_p1_unit_approve", "UNIT_HEAD", ["F-00"], None, {"verdict": "APPROVE"}, data, user(db, "head.d03u01"))
    p = db.session.scalars(select(Project).where(Project.code == "P-D03-003")).one()
    assert p.library_status == "SUBMITTED"
    complete("ut_p1_dept_review", "DEPT_OFFICER", ["F-05"], "dept", {"verdict": "RETURN", "comment": "指标需细化"},
             data, user(db, "dept.d03"))
    assert p.library_status == "DRAFT"
    assert [(o.stage, o.verdict, o.reviewer) for o in db.session.scalars(
        select(ReviewOpinion).order_by(ReviewOpinion.created_at))] == [
        ("ut_p1_unit_approve", "APPROVE", "head.d03u01"), ("ut_p1_dept_review", "RETURN", "dept.d03")]
    with pytest.raises(IllegalTransition):  # a ValueError with a clear message
        call("project.set_status", data=data, status="IN_LIBRARY")
    call("project.set_status", data=data, status="SUBMITTED")
    complete("ut_p1_dept_review", "DEPT_OFFICER", ["F-05"], "dept", {"verdict": "APPROVE"}, data, user(db, "dept.d03"))
    assert p.library_status == "DEPT_APPROVED"

    scores = {"performer": "SELF", "dim_necessity": W(21), "dim_economy": W(17), "dim_target": W(16),
              "dim_feasibility": W(17), "dim_financing": W(13), "comment_necessity": "必要性充分" * 8,
              "financing_compliant": True, "annual_need": [{"year": 2026, "amount": W(1100)},
                                                           {"year": 2027, "amount": W(800)}],
              "recommended_amount": W(1100)}
    complete("ut_p1_dept_exante", "UNIT_FILER", ["F-02"], "edit", scores, data, filer)
    a = db.session.scalars(select(ExAnteAssessment)).one()
    assert (a.assessor_type, a.status, a.total_score, p.library_status) == ("DEPT_SELF", "SUBMITTED", W(84), "EXANTE")
    assert a.annual_need == {"2026": "11000000.00", "2027": "8000000.00"} and "dim_necessity" in a.dim_comments
    complete("ut_p1_dept_exante_confirm", "DEPT_OFFICER", ["F-02"], "review", {"verdict": "APPROVE"}, data,
             user(db, "dept.d03"))
    call("exante.conclude", data=data, assessor_type="DEPT_SELF", conclusion="SUPPORT",
         rule_table_version="dt_02_exante_conclusion v1", matched_rows=["row3"])
    assert (a.status, a.conclusion, a.matched_rows) == ("CONCLUDED", "SUPPORT", ["row3"])

    r = call("project.enter_library", data={**data, **scores})
    assert r == {"library_status": "IN_LIBRARY"} and p.library_status == "IN_LIBRARY"
    assert p.year(2026).exante_recommended == W("11000000.00") and p.year(2027).exante_recommended == W("8000000.00")


def test_submission_check_duplicate_name_and_responsible_person(db, request_d03):
    _, started = request_d03
    data = started["data"]

    def check(task: str, submission: dict, data: dict) -> dict:
        handler = REGISTRY.task_handlers[handler_name(task)]
        return handler.check(TaskCompleted(None, None, ["F-01", "F-04"], None, submission, data)) if handler.check else {}

    for task in ("ut_p1_fill", "ut_p1_revise_after_fiscal"):
        errors = check(task, {"name": "农村公路提档升级", "responsible_person": "head.d04u01"}, data)
        assert errors == {"name": ["本部门 2026 年度已有同名项目"], "responsible_person": ["项目责任人须为本单位在岗用户"]}
        ok = check(task, {"name": "农村公路提档升级", "responsible_person": "head.d03u01"}, {**data, "request_year": 2030})
        assert ok == {}
    assert check("ut_p1_dept_review", {"name": "农村公路提档升级"}, data) == {}  # no F-01 check there


def test_revise_after_fiscal_keeps_the_request(db, request_d03):
    filer, started = request_d03
    data = started["data"]
    complete("ut_p1_fill", "UNIT_FILER", ["F-01", "F-04"], None, application(), data, filer)
    p = db.session.scalars(select(Project).where(Project.code == "P-D03-003")).one()
    p.library_status = "EXANTE"
    revised = application(content_text="按评估意见压缩建设内容，优先整治事故多发路段。" * 4,
                          annual_requests=[{"year": 2026, "fiscal_amount": W(900), "other_amount": W(0)}])
    complete("ut_p1_revise_after_fiscal", "UNIT_FILER", ["F-01", "F-04"], None, revised, data, filer)
    assert p.year(2026).requested == W("12005000.00") and p.content_text.startswith("按评估意见")
    assert p.library_status == "EXANTE" and db.session.query(PerformanceTarget).count() == 2


def test_set_library_status_writes_only_an_allowed_change(db, request_d03):
    """The one-statement writer of a hot step answers as change_library_status does."""
    from budget.shared.status import set_library_status

    _, started = request_d03
    pid = uuid.UUID(started["data"]["project_id"])
    p = db.session.get(Project, pid)
    before, filer = p.updated_at, p.updated_by
    assert set_library_status(pid, "DRAFT", "head.d03u01") is False  # already there: nothing written
    with pytest.raises(IllegalTransition):
        set_library_status(pid, "IN_LIBRARY", "head.d03u01")
    with pytest.raises(ValueError, match="不存在"):
        set_library_status(uuid.uuid4(), "SUBMITTED", "head.d03u01")
    db.session.expire(p)
    assert (p.library_status, p.updated_at, p.updated_by) == ("DRAFT", before, filer)

    assert set_library_status(pid, "SUBMITTED", "head.d03u01") is True
    assert (p.library_status, p.updated_by) == ("SUBMITTED", "head.d03u01")  # the loaded copy follows
    db.session.expire(p)
    assert (p.library_status, p.updated_by) == ("SUBMITTED", "head.d03u01") and p.updated_at > before
    assert set_library_status(pid, "DRAFT", None) is True  # no actor: the last writer stays
    db.session.expire(p)
    assert (p.library_status, p.updated_by) == ("DRAFT", "head.d03u01")
