"""The README's walk-through, driven through the real engine with the demo data as `make run`
loads it: which demo request reaches the finance bureau's stage (是否开展财政事前评估, perf.1) and
which one goes into the library after the department's own ex-ante assessment. If the models or
the DMN thresholds change, this fails and the README's tour must be corrected with it."""
from __future__ import annotations

from decimal import Decimal

import pytest
from p1_driver import PERF, Flow, deploy_p1, user

from budget import dossier
from budget.demo import load_demo
from engine.views.tasks import get_task
from engine.work.supervision import history


@pytest.fixture()
def p1(db):
    load_demo("demo-pass-1")
    deploy_p1()
    return db


def steps(flow: Flow) -> list[str]:
    return [t.title for t in flow.mine(flow.filer.username)]


def test_a_request_of_1000_wan_or_more_reaches_the_finance_bureau(p1):
    """README: filer.d05u02 新建 → 填报项目申报书及绩效目标 (1,200 万) → head.d05u02 单位审核 →
    dept.d05 主管部门审核 → filer.d05u02 部门事前绩效评估 → dept.d05 主管部门确认事前评估 →
    perf.1 是否开展财政事前评估."""
    flow = Flow("P-D05-001", year=None)  # as 新建 starts it
    assert flow.filer.username == "filer.d05u02" and steps(flow) == ["填报项目申报书及绩效目标"]
    flow.fill(amount=1200)
    assert [t.title for t in flow.mine("head.d05u02")] == ["单位审核"]
    flow.unit_approve()
    assert [t.title for t in flow.mine("dept.d05")] == ["主管部门审核"]
    flow.dept_review()
    assert steps(flow) == ["部门事前绩效评估"]
    ctx = get_task(flow.task("filer.d05u02", "ut_p1_dept_exante").id, user("filer.d05u02")).all_data
    assert (ctx["is_major"], ctx["fiscal_exante"]) == (True, "OPTIONAL")
    assert (ctx["alternatives_required"], ctx["cost_benefit_required"]) == (False, True)
    flow.do("filer.d05u02", "ut_p1_dept_exante", _exante(1200))
    assert [t.title for t in flow.mine("dept.d05")] == ["主管部门确认事前评估"]
    flow.do("dept.d05", "ut_p1_dept_exante_confirm", {"verdict": "APPROVE"})
    assert [t.title for t in flow.mine(PERF)] == ["是否开展财政事前评估"]
    assert [t.title for t in flow.mine("perf.2")] == ["是否开展财政事前评估"]  # any 绩效处 clerk


def test_a_request_under_1000_wan_ends_in_the_library_without_the_finance_bureau(p1):
    flow = Flow("P-D05-001", year=None)
    flow.intake(amount=300)
    assert steps(flow) == ["部门事前绩效评估"]
    flow.dept_exante("P-D05-002", 300)  # scores that SUPPORT
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    assert flow.mine(PERF) == []
    # The project page's record: what P1 wrote (amounts, the target and its indicators, the assessment).
    project, instances = dossier.find(flow.project.code, user("dept.d05"))
    record = dossier.record(project)
    year = record["years"][0]
    assert year["requested"] == Decimal("3000000.00") and year["exante_recommended"] == Decimal("3000000.00")
    assert [(a["assessor_label"], a["conclusion_label"]) for a in year["assessments"]] == [("部门事前评估", "予以支持")]
    assert year["target"]["status"] == "DEPT_APPROVED" and len(year["target"]["indicators"]) == 9
    first = year["target"]["indicators"][0]
    assert (first["l1_label"], first["l2_label"], first["target"]) == ("产出指标", "数量指标", "≥300")
    assert record["library_status_label"] == "已入库(储备)" and [i.id for i in instances] == [flow.instance.id]
    events = history(instances)
    assert events[0][0].action == "start" and events[-1][0].action == "end"


def _exante(recommended: int) -> dict:
    from p1_driver import dept_exante_form

    return dept_exante_form("P-D05-002", recommended, cost_benefit=True)
