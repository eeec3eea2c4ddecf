"""CA-1 re-checks conflicts of interest whenever a person sets the panel, not only in the draw
(issue 11, point 9): e05 (回避名单 D02) is refused at 确认/调整专家 on a D02 project, with a field
error naming the expert and the conflict, and refused again if an expert's opinion is handed on
(转办) to them."""
from __future__ import annotations

import pytest
from p1_driver import CORE, PERF, Flow, deploy_p1, expert_form, fiscal, set_packs, user
from sqlalchemy import select

from budget.demo import load_demo
from engine.base.db import db
from engine.base.errors import ValidationFailed
from engine.base.identity import User
from engine.moves.handoffs import transfer

E05 = "expert.e05"


@pytest.fixture()
def p1(db):
    load_demo("demo-pass-1")
    deploy_p1()
    return db


def test_a_conflicted_expert_is_refused_at_confirmation_and_at_the_opinion(p1):
    set_packs(CORE)
    flow = Flow("P-D02-001")  # 市卫生健康委员会 (D02): e05's employer is under it
    flow.intake()
    flow.dept_exante("P-D02-001", 15000, alternatives=False, cost_benefit=False)
    flow.do(PERF, "ut_p1_fin_decide", {"verdict": "APPROVE"})
    refused: dict[str, dict] = {}

    def at_confirm(flow: Flow, experts: list[str]) -> None:
        with pytest.raises(ValidationFailed) as err:
            flow.do(PERF, "ut_panel_confirm", {"experts": [*experts[:2], E05], "replace_reason": "调整为卫生领域专家"})
        db.session.rollback()
        refused["confirm"] = err.value.errors

    def at_opinions(flow: Flow, experts: list[str]) -> None:
        first = experts[0]
        transfer(flow.task(first, "ut_expert_opinion").id, user(first), E05, "出差，请同行代为评审")
        db.session.commit()
        with pytest.raises(ValidationFailed) as err:
            flow.do(E05, "ut_expert_opinion", expert_form("P-D02-001"))
        db.session.rollback()
        refused["opinion"] = err.value.errors
        transfer(flow.task(E05, "ut_expert_opinion").id, user(E05), first, "按回避规定退回原专家")
        db.session.commit()

    seen = fiscal(flow, "P-D02-001", performer="FIN_CENTER", recommended=13800,
                  at_confirm=at_confirm, at_opinions=at_opinions)
    flow.assert_ended("end_p1_in_library", "IN_LIBRARY")
    assert E05 not in seen["experts"] and [x["username"] for x in seen["excluded"]] == [E05]
    (message,) = refused["confirm"]["experts"]
    name = db.session.scalar(select(User.name).where(User.username == E05))
    assert message == (f"专家 {name}（示例市第一人民医院（市卫生健康委员会直属））与示例市卫生健康委员会存在利益冲突，"
                       "按回避规定不能参加评审，请替换")
    assert refused["opinion"]["_form"][0] == message
    (panel,) = flow.panels()
    assert E05 not in panel.experts
