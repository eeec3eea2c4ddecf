"""Versions under control (issue 13 point 4) on the real engine, PostgreSQL and queue: a rollback to
an older version is audited, told and starts the older version; the migration preview of a model
whose v2 adds a step before the active one (maps) and whose v3 removes the active step (cannot);
a batch migrates instances with progress and an audit row each, their open tasks then run to the
end; a migration racing a completion of the same instance; moving a token back and forward."""
from __future__ import annotations

import threading

import pytest
from lxml import etree
from sqlalchemy import select

from engine.base.db import db as _db
from engine.base.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.base.model_admin import MigrationRun, ModelAudit
from engine.base.models import AuditEvent, HumanTask, Notification, ProcessInstance
from engine.definitions.deploy import deploy
from engine.dispatch import queue
from engine.moves import migration, token, versions
from engine.moves.runtime import complete_task, start_process
from engine.work.inbox import todo
from tests.factories import EXAMPLE_MODEL, expense, make_user

KEY = "ex_two_step_approval"
B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
PRECHECK = """<bpmn:userTask xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="ut_ex_precheck" name="部门初审">
  <bpmn:extensionElements><spiffworkflow:properties>
    <spiffworkflow:property name="formKey" value="F-00" />
    <spiffworkflow:property name="formContext" value="ut_ex_fill" />
    <spiffworkflow:property name="outputs" value="verdict" />
    <spiffworkflow:property name="verdicts" value="APPROVE" />
  </spiffworkflow:properties></bpmn:extensionElements>
</bpmn:userTask>"""


def variant(*, add_precheck: bool = False, drop_approve: bool = False) -> bytes:
    """The example model with a step added before 单位审核 (v2), or with 单位审核 removed (v3)."""
    root = etree.fromstring(EXAMPLE_MODEL.read_bytes())
    process = root.find(f"{B}process")
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    for ref in root.iter(f"{B}incoming", f"{B}outgoing"):
        ref.getparent().remove(ref)  # optional in BPMN; the flows say it all
    if add_precheck:
        process.append(etree.fromstring(PRECHECK))
        by_id["f_ex_2"].set("targetRef", "ut_ex_precheck")
        process.append(etree.fromstring(
            f'<bpmn:sequenceFlow xmlns:bpmn="{B[1:-1]}" id="f_ex_2b" sourceRef="ut_ex_precheck" targetRef="ut_ex_approve"/>'))
        lane = by_id["lane_ex_head"]
        etree.SubElement(lane, f"{B}flowNodeRef").text = "ut_ex_precheck"
    if drop_approve:
        for gone in ("ut_ex_approve", "gw_ex_verdict", "f_ex_3", "f_ex_approve", "f_ex_return"):
            by_id[gone].getparent().remove(by_id[gone])
        by_id["f_ex_2"].set("targetRef", "st_ex_record")
        for ref in list(root.iter(f"{B}flowNodeRef")):
            if ref.text in ("ut_ex_approve", "gw_ex_verdict"):
                ref.getparent().remove(ref)
        for shape in [e for e in root.iter() if e.get("bpmnElement") in ("ut_ex_approve", "gw_ex_verdict", "f_ex_3",
                                                                          "f_ex_approve", "f_ex_return")]:
            shape.getparent().remove(shape)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.fixture()
def people(db):
    deploy({EXAMPLE_MODEL.name: EXAMPLE_MODEL.read_bytes()}, "test")
    users = {"filer": make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01")),
             "head": make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01")),
             "admin": make_user("admin", ("SYS_ADMIN", "ALL", None)),
             "padmin": make_user("padmin", ("PROCESS_ADMIN", "ALL", None))}
    db.session.commit()
    return users


def deploy_v(content: bytes) -> int:
    version, _ = deploy({EXAMPLE_MODEL.name: content}, "admin")
    _db.session.commit()
    return version.version


def at_approval(u) -> ProcessInstance:
    """A v1 instance whose 填写 is done: it waits at 单位审核."""
    instance = start_process(KEY, u["filer"])
    _db.session.commit()
    complete_task(todo(u["filer"])[0].id, u["filer"], expense())
    _db.session.commit()
    return instance


def mine(user, instance) -> HumanTask:
    _db.session.expire_all()
    return next(t for t in todo(user) if t.instance_id == instance.id)


def test_rollback_is_audited_told_and_starts_the_older_version(people):
    u = people
    assert deploy_v(variant(add_precheck=True)) == 2
    with pytest.raises(ValidationFailed):
        versions.activate(KEY, 1, u["admin"], "  ")
    _db.session.rollback()
    with pytest.raises(NotFound):
        versions.activate(KEY, 9, u["admin"], "回退")
    _db.session.rollback()
    with pytest.raises(Forbidden):
        versions.activate(KEY, 1, u["padmin"], "回退")
    _db.session.rollback()
    version, changed = versions.activate(KEY, 1, u["admin"], "第2版初审环节有误")
    _db.session.commit()
    assert changed and version.version == 1
    assert versions.activate(KEY, 1, u["admin"], "再来一次") == (version, False)  # already active: a no-op
    _db.session.commit()
    entries = versions.model_audit(KEY)
    assert [(e.action, e.from_version, e.to_version, e.actor, e.reason) for e in entries] == [
        ("activate", 2, 1, "admin", "第2版初审环节有误")]
    told = set(_db.session.scalars(select(Notification.username).where(Notification.kind == "model_version")))
    assert told == {"padmin"}  # the process and system administrators but the one who did it
    instance = start_process(KEY, u["filer"])
    _db.session.commit()
    assert instance.version == 1


def test_migration_preview_maps_an_added_step_and_refuses_a_removed_one(people):
    u = people
    waiting = at_approval(u)
    drafting = start_process(KEY, u["filer"])
    _db.session.commit()
    v2 = deploy_v(variant(add_precheck=True))
    v3 = deploy_v(variant(drop_approve=True))
    plan = {p.instance_id: p for p in migration.preview(KEY, 1, v2, u["admin"]).items}
    assert plan[str(waiting.id)].ok and plan[str(drafting.id)].ok
    assert [(m.element, m.to_element, m.kind) for m in plan[str(waiting.id)].tasks] == [
        ("ut_ex_approve", "ut_ex_approve", "人工环节")]
    assert [(m.element, m.to_element) for m in plan[str(drafting.id)].tasks] == [("ut_ex_fill", "ut_ex_fill")]
    plan = {p.instance_id: p for p in migration.preview(KEY, 1, v3, u["admin"]).items}
    refused = plan[str(waiting.id)]
    assert not refused.ok and refused.reasons == ["正在进行的环节 “单位审核” 在新版本中已删除"]
    assert [(m.element, m.ok, m.to_element) for m in refused.tasks] == [("ut_ex_approve", False, None)]
    assert plan[str(drafting.id)].ok  # still at 填写, which v3 keeps
    _db.session.rollback()
    assert _db.session.get(ProcessInstance, waiting.id).version == 1  # a preview changes nothing


def test_batch_migrates_with_progress_and_audit_and_the_tasks_run_to_the_end(people):
    u = people
    waiting = [at_approval(u) for _ in range(3)]
    drafting = start_process(KEY, u["filer"])
    _db.session.commit()
    before = {i.id: mine(u["head"], i) for i in waiting}
    v2 = deploy_v(variant(add_precheck=True))
    with pytest.raises(ValidationFailed):
        migration.start_run(KEY, 1, v2, u["admin"], "")
    _db.session.rollback()
    run = migration.start_run(KEY, 1, v2, u["admin"], "新增部门初审")
    _db.session.commit()
    assert (run.total, run.done, run.status) == (4, 0, "QUEUED")
    queue.drain()
    _db.session.expire_all()
    run = _db.session.get(MigrationRun, run.id)
    assert (run.done, run.failed, run.status) == (4, 0, "DONE") and run.finished_at is not None
    for instance in [*waiting, drafting]:
        row = _db.session.get(ProcessInstance, instance.id)
        assert row.version == v2
        audit = _db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id,
                                                             AuditEvent.action == "migrate")).one()
        assert audit.title == f"迁移：版本 1 → 版本 {v2}" and audit.comment == "新增部门初审"
    for instance in waiting:  # the same work item, still the head's, decided on v2
        item = mine(u["head"], instance)
        assert item.id == before[instance.id].id and item.due_at == before[instance.id].due_at
        complete_task(item.id, u["head"], {"verdict": "APPROVE"})
        _db.session.commit()
        assert _db.session.get(ProcessInstance, instance.id).status == "COMPLETED"
    complete_task(mine(u["filer"], drafting).id, u["filer"], expense())  # v2's new step comes next
    _db.session.commit()
    item = mine(u["head"], drafting)
    assert item.task_name == "ut_ex_precheck"
    complete_task(item.id, u["head"], {"verdict": "APPROVE"})
    _db.session.commit()
    complete_task(mine(u["head"], drafting).id, u["head"], {"verdict": "APPROVE"})
    _db.session.commit()
    assert _db.session.get(ProcessInstance, drafting.id).status == "COMPLETED"
    assert [(e.action, e.from_version, e.to_version) for e in versions.model_audit(KEY)] == [("migrate", 1, v2)]


def test_a_batch_reports_the_instances_that_cannot_move(people):
    u = people
    waiting, drafting = at_approval(u), start_process(KEY, u["filer"])
    _db.session.commit()
    v3 = deploy_v(variant(drop_approve=True))
    run = migration.start_run(KEY, 1, v3, u["admin"], "取消单位审核")
    _db.session.commit()
    queue.drain()
    _db.session.expire_all()
    run = _db.session.get(MigrationRun, run.id)
    assert (run.done, run.failed, run.status) == (1, 1, "DONE")
    failed = next(r for r in run.results if not r["ok"])
    assert failed["instance_id"] == str(waiting.id) and "单位审核" in failed["reason"]
    assert _db.session.get(ProcessInstance, waiting.id).version == 1  # untouched
    assert _db.session.get(ProcessInstance, drafting.id).version == v3
    complete_task(mine(u["filer"], drafting).id, u["filer"], expense())
    _db.session.commit()
    assert _db.session.get(ProcessInstance, drafting.id).status == "COMPLETED"  # v3 has no 单位审核


def test_a_migration_racing_a_completion_has_one_clean_order(people, app):
    u = people
    instance = at_approval(u)
    item = mine(u["head"], instance)
    v2 = deploy_v(variant(add_precheck=True))
    target = versions.version_of(KEY, v2)
    _db.session.commit()
    barrier, outcomes = threading.Barrier(2), {}

    def run(name, fn):
        with app.app_context():
            barrier.wait()
            try:
                fn()
                _db.session.commit()
                outcomes[name] = "ok"
            except Conflict as err:
                _db.session.rollback()
                outcomes[name] = str(err)
            finally:
                _db.session.remove()

    head, admin = u["head"].username, u["admin"].username

    def complete():
        complete_task(item.id, _db.session.scalar(select(type(u["head"])).filter_by(username=head)),
                      {"verdict": "APPROVE"})

    def migrate():
        migration.migrate_instance(instance.id, target, _db.session.scalar(
            select(type(u["admin"])).filter_by(username=admin)), "竞争", from_version=1)

    threads = [threading.Thread(target=run, args=("complete", complete)),
               threading.Thread(target=run, args=("migrate", migrate))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    _db.session.expire_all()
    final = _db.session.get(ProcessInstance, instance.id)
    assert outcomes["complete"] == "ok"
    if outcomes["migrate"] == "ok":  # migrated first, then completed on v2
        assert final.version == v2 and final.status == "COMPLETED"
    else:  # completed first: nothing left to migrate
        assert outcomes["migrate"] == "流程已结束，无需迁移" and final.version == 1
    assert final.status == "COMPLETED"
    assert not _db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                           HumanTask.status == "READY")).all()


def test_move_token_back_and_forward(people):
    u = people
    instance = at_approval(u)
    with pytest.raises(ValidationFailed):
        token.move_token(instance.id, u["admin"], "ut_ex_fill", "")
    _db.session.rollback()
    with pytest.raises(Conflict, match="不能直接移动"):
        token.move_token(instance.id, u["admin"], "st_ex_record", "越过网关")
    _db.session.rollback()
    token.move_token(instance.id, u["padmin"], "ut_ex_fill", "申请金额需重填")
    _db.session.commit()
    back = mine(u["filer"], instance)
    assert back.task_name == "ut_ex_fill" and back.assigned_via == "MOVE"
    assert not [t for t in todo(u["head"]) if t.instance_id == instance.id]
    token.move_token(instance.id, u["padmin"], "ut_ex_approve", "已电话确认，无需重填")
    _db.session.commit()
    ahead = mine(u["head"], instance)
    assert ahead.task_name == "ut_ex_approve"
    moves = _db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id,
                                                         AuditEvent.action == "move_token").order_by(AuditEvent.id)).all()
    assert [(m.title, m.comment) for m in moves] == [("移动：单位审核 → 填写费用申请", "申请金额需重填"),
                                                     ("移动：填写费用申请 → 单位审核", "已电话确认，无需重填")]
    told = set(_db.session.scalars(select(Notification.username).where(Notification.kind == "move")))
    assert {"filer", "head"} <= told
    complete_task(ahead.id, u["head"], {"verdict": "APPROVE"})
    _db.session.commit()
    assert _db.session.get(ProcessInstance, instance.id).status == "COMPLETED"
    assert ModelAudit  # the model audit is for model-wide changes only


MODELS = EXAMPLE_MODEL.parent


def test_rollback_moves_the_start_timer_to_the_older_version(people):
    from engine.base.models import Timer

    periodic = (MODELS / "tm_periodic.bpmn").read_bytes()
    deploy({"tm_periodic.bpmn": periodic}, "admin")
    _db.session.commit()
    deploy({"tm_periodic.bpmn": periodic.replace(b'"R3/2026-01-01T00:00:00+08:00/P1M"',
                                                 b'"R3/2026-02-01T00:00:00+08:00/P1M"')}, "admin")
    _db.session.commit()
    versions.activate("tm_periodic", 1, people["admin"], "第2版起始月份有误")
    _db.session.commit()
    rows = _db.session.scalars(select(Timer).where(Timer.process_key == "tm_periodic")).all()
    assert sorted(r.status for r in rows) == ["CANCELLED", "CANCELLED", "WAITING"]
    waiting = next(r for r in rows if r.status == "WAITING")
    assert waiting.due_at.isoformat().startswith("2025-12-31T16:00")  # version 1's first occurrence


def test_an_instance_waiting_at_a_timer_keeps_its_due_time(people):
    from engine.base.models import Timer

    timers = (MODELS / "tm_timers.bpmn").read_bytes()
    deploy({"tm_timers.bpmn": timers}, "admin")
    _db.session.commit()
    instance = start_process("tm_timers", people["filer"], {"wait_for": "PT1H", "escalate_after": "PT30M",
                                                            "remind_cycle": "R1/PT30M"})
    _db.session.commit()
    before = _db.session.scalars(select(Timer).where(Timer.instance_id == instance.id)).one()
    version, _ = deploy({"tm_timers.bpmn": timers.replace('name="审核"'.encode(), 'name="复核"'.encode())}, "admin")
    _db.session.commit()
    [plan] = migration.preview("tm_timers", 1, version.version, people["admin"]).items
    assert plan.ok and [(m.kind, m.element, m.to_element) for m in plan.tasks] == [("定时器", "tm_tm_wait", "tm_tm_wait")]
    migration.migrate_instance(instance.id, version, people["admin"], "改名")
    _db.session.commit()
    _db.session.expire_all()
    after = _db.session.scalars(select(Timer).where(Timer.instance_id == instance.id)).all()
    assert [(t.id, t.status, t.due_at) for t in after] == [(before.id, "WAITING", before.due_at)]


CALL_MODEL = MODELS / "conformance" / "cf_call_activity.bpmn"


def _call_variant(*, after: bool = False, drop_child_step: bool = False) -> bytes:
    """cf_call_activity whose child waits in a user task after its script (the instance waits inside
    the call); `after`: a script step after the call (v2); `drop_child_step`: the child's step removed (v3)."""
    text = CALL_MODEL.read_text(encoding="utf-8")
    step = ('<bpmn:userTask id="child_work" name="子流程审核" />'
            '<bpmn:sequenceFlow id="c2" sourceRef="child_calc" targetRef="child_work" />'
            '<bpmn:sequenceFlow id="c3" sourceRef="child_work" targetRef="child_end" />')
    if drop_child_step:
        step = '<bpmn:sequenceFlow id="c2" sourceRef="child_calc" targetRef="child_end" />'
    text = text.replace('<bpmn:scriptTask id="child_work" name="Child work">', '<bpmn:scriptTask id="child_calc" name="Child work">')
    text = text.replace('<bpmn:sequenceFlow id="c1" sourceRef="child_start" targetRef="child_work" />',
                        '<bpmn:sequenceFlow id="c1" sourceRef="child_start" targetRef="child_calc" />' + step)
    text = text.replace('<bpmn:sequenceFlow id="c2" sourceRef="child_work" targetRef="child_end" />', '')
    for ref in ("<bpmn:incoming>c1</bpmn:incoming>", "<bpmn:outgoing>c2</bpmn:outgoing>", "<bpmn:incoming>c2</bpmn:incoming>"):
        text = text.replace(ref, "")
    if after:
        text = text.replace('<bpmn:sequenceFlow id="f3" sourceRef="call_child" targetRef="end" />',
                            '<bpmn:scriptTask id="after_call" name="记录"><bpmn:script>z = 1</bpmn:script></bpmn:scriptTask>'
                            '<bpmn:sequenceFlow id="f3" sourceRef="call_child" targetRef="after_call" />'
                            '<bpmn:sequenceFlow id="f4" sourceRef="after_call" targetRef="end" />')
        text = text.replace("<bpmn:outgoing>f3</bpmn:outgoing>", "").replace("<bpmn:incoming>f3</bpmn:incoming>", "")
    return text.encode("utf-8")


def test_an_instance_inside_a_call_activity_migrates_with_its_child(people):
    u = people
    deploy({"cf_call_activity.bpmn": _call_variant()}, "admin")
    _db.session.commit()
    instance = start_process("cf_call_activity", u["padmin"])  # no lane: the process administrators start it
    _db.session.commit()
    v2 = deploy_v2 = deploy({"cf_call_activity.bpmn": _call_variant(after=True)}, "admin")[0]
    v3 = deploy({"cf_call_activity.bpmn": _call_variant(after=True, drop_child_step=True)}, "admin")[0]
    _db.session.commit()
    [plan] = migration.preview("cf_call_activity", 1, v2.version, u["admin"]).items
    assert plan.ok, plan.reasons
    assert sorted((m.kind, m.element, m.to_element) for m in plan.tasks) == [
        ("人工环节", "child_work", "child_work"), ("调用子流程", "call_child", "call_child")]
    [refused] = migration.preview("cf_call_activity", 1, v3.version, u["admin"]).items
    assert refused.reasons == ["子流程 “Call child” 中正在进行的环节 “子流程审核” 在新版本中已删除"]
    migration.migrate_instance(instance.id, deploy_v2, u["admin"], "调用后增加记录")
    _db.session.commit()
    complete_task(mine(u["padmin"], instance).id, u["padmin"], {"verdict": "APPROVE"})  # the initiator's step
    _db.session.commit()
    _db.session.expire_all()
    done = _db.session.get(ProcessInstance, instance.id)
    assert (done.status, done.version) == ("COMPLETED", v2.version)
    assert "记录" in [e.title for e in _db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "auto"))]  # v2's step after the call ran
