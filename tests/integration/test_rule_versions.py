"""Decision tables under versions on the real engine and PostgreSQL (issue 13 point 3): every
business-rule evaluation of a P1 and a P3 run is logged with the rows that matched; the instance's
"why" in Chinese; a DT-06 draft (RED lag 30 → 25 pp) re-evaluated over the stored P3 decisions lists
exactly the changed outcome; its activation is audited and told to FIN_PERF and SYS_ADMIN, and the
version in force is picked at decision time by its effective date."""
from __future__ import annotations

from datetime import timedelta

import pytest
from p1_driver import CORE, Flow, deploy_p1, set_packs
from p3_driver import P3Flow, deploy_p1_p2_p3, small_through_p2
from sqlalchemy import select

from budget.demo import load_demo
from engine.base.db import db
from engine.base.decision_models import DecisionRecord
from engine.base.identity import User
from engine.base.models import AuditEvent, Notification
from engine.dispatch import queue
from engine.views.decisions import for_instance
from engine.work import rule_tables

pytestmark = pytest.mark.slow


def _records(instance_id) -> list[DecisionRecord]:
    return list(db.session.scalars(select(DecisionRecord).where(DecisionRecord.instance_id == instance_id)
                                   .order_by(DecisionRecord.id)))


def test_p1_decisions_are_logged_with_their_rows(db):
    load_demo("demo-pass-1")
    deploy_p1()
    set_packs(CORE)
    flow = Flow("P-D05-002", year=None)
    flow.fill()
    flow.unit_approve()
    flow.dept_review()
    records = _records(flow.instance.id)
    by_table = {r.decision_id: r for r in records}
    assert {"dt_05_major_key", "dt_01_exante_requirement"} <= set(by_table)
    dt05 = by_table["dt_05_major_key"]
    assert dt05.packs == ["CORE"] and dt05.table_version == 1 and dt05.rows == []  # 299 万: not major
    assert {"packs", "request_wan", "annual_wan", "is_major_flag"} <= set(dt05.inputs)
    assert dt05.outputs == {}
    why = {d.decision_id: d.why for d in for_instance(flow.instance)}
    assert why["dt_05_major_key"] == "DT-05 重大/重点项目认定：没有命中任何一行，未给出结果"


def _draft_red_at_25(by: str):
    v1 = rule_tables.in_force_version("dt_06_monitoring_warning")
    content = rule_tables.with_cells(v1.content, {"dt06_r4_in3": "? >= 25"}, {
        "dt06_r4": "执行率 {exec_rate}% 慢于时间进度 {lag_pp} 个百分点（25 个百分点及以上）→ 红色预警"})
    return rule_tables.add_draft("dt_06_monitoring_warning", content, by, note="红色预警滞后阈值调为 25 个百分点",
                                 based_on=v1.version)


def test_p3_what_if_and_activation_by_effective_date(db, monkeypatch):
    load_demo("demo-pass-1")
    deploy_p1_p2_p3()
    set_packs(CORE)
    p = P3Flow(small_through_p2())  # 260 万 arranged
    for month in range(1, 4):
        p.run_month(month, 5 * month)
        assert p.record(month).warning_level == "GREEN"
    p.run_month(4, 20)  # 7.69 % against 33.33 %: lag 25.64 pp → YELLOW (row 7); RED from 25 pp would be row 4
    (w4,) = p.warnings()
    assert (w4.level, w4.rule_row) == ("YELLOW", 7)
    p.explain()
    p.confirm()

    warning = [r for r in _records(p.instance.id) if r.decision_id == "dt_06_monitoring_warning"]
    assert [r.rows for r in warning] == [["dt06_r9"]] * 3 + [["dt06_r7"]]
    assert all(r.table_version == 1 for r in warning)
    month4 = [d for d in for_instance(p.instance) if d.decision_id == "dt_06_monitoring_warning"][-1]
    assert month4.why == ("DT-06 监控预警 第7行命中：执行率 7.69% 慢于时间进度 25.64 个百分点（15 个百分点及以上）"
                          "→ 黄色预警")
    assert month4.row_numbers == [7]

    # a draft with a bad cell is refused in Chinese, nothing written
    v1 = rule_tables.in_force_version("dt_06_monitoring_warning")
    bad = rule_tables.with_cells(v1.content, {"dt06_r4_in3": "? >= >= 25"}, {})
    with pytest.raises(Exception) as refused:
        rule_tables.add_draft("dt_06_monitoring_warning", bad, "admin")
    assert refused.value.errors["dt06_r4_in3"] == ["第 4 行“滞后百分点”列：表达式语法错误（第 6 列附近）"]

    draft = _draft_red_at_25("admin")
    assert (draft.version, draft.status) == (2, "DRAFT")
    run = rule_tables.start_what_if(draft, "admin")
    assert (run.status, run.total, run.against_version) == ("DONE", 4, 1)
    (changed,) = run.changed
    assert changed["instance_id"] == str(p.instance.id) and changed["title"] == p.instance.title
    assert (changed["old"]["level"], changed["new"]["level"]) == ("YELLOW", "RED")
    assert (changed["old_rows"], changed["new_rows"]) == (["dt06_r7"], ["dt06_r4"])

    # the what-if of many decisions goes to the queue, with the same answer
    monkeypatch.setattr(rule_tables, "WHAT_IF_INLINE", 2)
    queued = rule_tables.start_what_if(draft, "admin")
    assert queued.status == "QUEUED"
    db.session.commit()
    queue.drain()
    db.session.expire_all()
    assert (queued.status, queued.done) == ("DONE", 4)
    assert [c["decision"] for c in queued.changed] == [changed["decision"]]

    # activation from the run of month 6: audited, told to the performance division and the administrators
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    effective = p.to_run_of(6) - timedelta(hours=1)
    p.to_run_of(4)
    rule_tables.activate(draft, admin, effective)
    db.session.commit()
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rule_table_activated"))
    assert audit.actor == "admin" and audit.detail["version"] == 2 and audit.instance_id is None
    told = set(db.session.scalars(select(Notification.username).where(Notification.kind == "rule_version")))
    assert {"perf.1", "perf.2", "admin"} <= told and "filer.d05u01" not in told

    p.run_month(5, 100)  # before the effective date: version 1
    p.run_month(6, 100)  # after it: version 2
    warning = [r for r in _records(p.instance.id) if r.decision_id == "dt_06_monitoring_warning"]
    assert [r.table_version for r in warning[-2:]] == [1, 2]
