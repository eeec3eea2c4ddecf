"""Task data with namespaces (docs/design.md, "Task data"), on the real engine and PostgreSQL: one
form's values never reach another form's field by an accident of naming; deployment refuses a
mapping whose source does not exist; instances stored in the old flat shape keep moving."""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from p1_driver import CORE, Flow, deploy_p1, dept_exante_form, set_packs, user
from sqlalchemy import text

from budget.demo import load_demo
from engine.base.errors import DeploymentError
from engine.base.models import HumanTask, ProcessInstance, ProcessModelVersion
from engine.definitions.deploy import deploy
from engine.definitions.taskdata import submitted
from engine.moves.runtime import complete_task, start_process
from engine.moves.state import load_workflow
from engine.views.tasks import get_task
from engine.work.inbox import todo
from tests.factories import EXAMPLE_MODEL, expense, make_user

W = Decimal
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "legacy_flat_two_step.json"
DEPT_SCORES = {"dim_completeness": W(22), "dim_relevance": W(22), "dim_appropriateness": W(22),
               "dim_feasibility": W(22)}


@pytest.fixture()
def p1(db):
    load_demo("demo-pass-1")
    deploy_p1()
    return db


def test_dept_officers_f05_score_does_not_prefill_the_filers_f02(p1):
    """The issue's case: 可行性 22 of the officer's F-05 (max 25) used to arrive in the filer's F-02
    field 实施方案可行性 (max 20). Now it stays under ut_p1_dept_review; F-02 opens with nothing of
    it, its review step sees F-02 through its declared input mapping, and a returned F-02 reopens
    with the filer's own earlier values."""
    set_packs(CORE)
    flow = Flow("P-D02-001")
    flow.fill()
    flow.unit_approve()
    flow.do(flow.officer, "ut_p1_dept_review", {"verdict": "APPROVE", "grade": "良", **DEPT_SCORES})
    f02 = get_task(flow.task(flow.filer.username, "ut_p1_dept_exante").id, flow.filer)
    assert "dim_feasibility" in f02.form.field_names
    assert "dim_feasibility" not in f02.data and f02.data == {}  # nothing of F-05 (nor of F-01)
    assert submitted(f02.all_data, "ut_p1_dept_review")["dim_feasibility"] == W(22)  # kept under its step
    assert "dim_feasibility" not in f02.all_data  # and never published to the process
    assert f02.context["name"].startswith("基层医疗卫生机构能力提升工程")  # formContext ut_p1_fill
    [source] = f02.context_sources  # and the page says whose submission it shows
    assert (source["title"], source["by"]) == ("填报项目申报书及绩效目标", flow.filer.name) and source["at"]

    form = dept_exante_form("P-D02-001", 15000)
    flow.do(flow.filer.username, "ut_p1_dept_exante", form)
    confirm = get_task(flow.task(flow.officer, "ut_p1_dept_exante_confirm").id, user(flow.officer))
    assert confirm.data["dim_feasibility"] == form["dim_feasibility"] != W(22)  # inputs ut_p1_dept_exante.*
    assert "verdict" not in confirm.data and "comment" not in confirm.data
    flow.do(flow.officer, "ut_p1_dept_exante_confirm",
            {"verdict": "RETURN", "comment": "筹资合规依据不充分，请补充说明后重新提交。"})
    again = get_task(flow.task(flow.filer.username, "ut_p1_dept_exante").id, flow.filer)
    assert again.data["dim_feasibility"] == form["dim_feasibility"]  # its own earlier submission
    assert again.data["comment_feasibility"] == form["comment_feasibility"]
    assert "verdict" not in again.data and "grade" not in again.data


def _deploy_example(**props: str) -> None:
    """The two-step example with the approval step's properties changed."""
    xml = EXAMPLE_MODEL.read_text()
    for name, value in props.items():
        line = f'<spiffworkflow:property name="{name}" value="{value}" />'
        if f'property name="{name}"' in xml:
            start = xml.index(f'<spiffworkflow:property name="{name}"', xml.index('id="ut_ex_approve"'))
            xml = xml[:start] + line + xml[xml.index("/>", start) + 2:]
        else:
            anchor = '<spiffworkflow:property name="verdicts"'
            xml = xml.replace(anchor, line + "\n          " + anchor, 1)
    deploy({EXAMPLE_MODEL.name: xml.encode()}, "test")


@pytest.mark.parametrize(("props", "message"), [
    ({"inputs": "comment=ut_nowhere.purpose"}, "未知的来源环节 “ut_nowhere”"),
    ({"inputs": "comment=ut_ex_fill.no_such_field"}, "环节 ut_ex_fill 的表单没有字段 “no_such_field”"),
    ({"inputs": "comment=never_assigned"}, "未知的来源 “never_assigned”"),
    ({"inputs": "no_such_field=ut_ex_fill.purpose"}, "本环节的表单没有字段 “no_such_field”"),
    ({"inputs": "comment=ut_ex_fill.purpose extra"}, "inputs 的来源"),
    ({"outputs": "decision=no_such_field"}, "outputs：本环节的表单没有字段 “no_such_field”"),
    ({"formContext": "EX-01"}, "formContext：未知的环节 “EX-01”"),
    ({"forgetForms": "ut_ex_fill"}, "forgetForms 只能用于服务任务"),
])
def test_deployment_refuses_a_mapping_to_nothing(db, props, message):
    with pytest.raises(DeploymentError) as err:
        _deploy_example(**props)
    assert [(e.element_id, e.file) for e in err.value.errors] == [("ut_ex_approve", EXAMPLE_MODEL.name)]
    assert message in err.value.errors[0].message
    assert db.session.query(ProcessModelVersion).count() == 0


def test_declared_input_mapping_deploys_and_prefills(db):
    _deploy_example(inputs="comment=ut_ex_fill.purpose")
    filer = make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    head = make_user("h1", ("UNIT_HEAD", "UNIT", "D01-U01"))
    db.session.commit()
    start_process("ex_two_step_approval", filer)
    complete_task(todo(filer)[0].id, filer, expense())
    db.session.commit()
    view = get_task(todo(head)[0].id, head)
    assert view.data == {}  # `comment` is prefill: false — a reviewer writes their own opinion
    assert view.context["purpose"] == expense()["purpose"]  # formContext ut_ex_fill


# --- instances stored before namespaces ---------------------------------------------------------

def _typed(model: type, row: dict) -> dict:
    """A fixture row (JSON) as column values of `model`."""
    out = {}
    for column in model.__table__.columns:
        if column.key not in row:
            continue
        value = row[column.key]
        kind = column.type.python_type if value is not None else None
        if kind is uuid.UUID:
            value = uuid.UUID(value)
        elif kind is datetime:
            value = datetime.fromisoformat(value)
        out[column.key] = value
    return out


def _restore_legacy(db) -> tuple[ProcessInstance, object, object]:
    """The instance tests/fixtures/legacy_flat_two_step.json holds: stored by the code before this
    change (filer's EX-01 merged flat into the task data, the approval step READY), with its model
    version marked "flat" as migration c4e1a0000005 marks every version deployed before it."""
    stored = json.loads(FIXTURE.read_text())
    filer = make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    head = make_user("h1", ("UNIT_HEAD", "UNIT", "D01-U01"))
    db.session.add(ProcessModelVersion(**_typed(ProcessModelVersion, stored["version"]), data_flow="flat"))
    db.session.flush()
    instance = ProcessInstance(**_typed(ProcessInstance, stored["instance"]))
    db.session.add(instance)
    db.session.flush()
    db.session.add_all(HumanTask(**_typed(HumanTask, r)) for r in stored["human_tasks"])
    db.session.commit()
    assert "_form:ut_ex_fill" not in stored["instance"]["state"]  # the old shape: flat task data
    return instance, filer, head


def test_legacy_flat_instance_completes_on_the_new_code(db):
    instance, filer, head = _restore_legacy(db)
    approve = todo(head)
    assert [t.task_name for t in approve] == ["ut_ex_approve"]
    view = get_task(approve[0].id, head)
    assert view.context["subject"] == expense()["subject"]  # its formContext "EX-01": a form key, as then
    complete_task(approve[0].id, head, {"verdict": "APPROVE"})
    db.session.commit()
    db.session.refresh(instance)
    assert instance.status == "COMPLETED" and instance.end_event == "end_ex_approved"
    last = load_workflow(instance).get_tasks()[-1].data
    assert last["approved_total"] == W("2.10") and last["verdict"] == "APPROVE"  # read flat, as modelled


def test_legacy_flat_instance_returns_with_its_flat_prefill(db):
    instance, filer, head = _restore_legacy(db)
    complete_task(todo(head)[0].id, head, {"verdict": "RETURN", "comment": "明细单价偏高，请核实后重新提交。"})
    db.session.commit()
    (fill,) = todo(filer)
    assert fill.task_name == "ut_ex_fill"
    assert get_task(fill.id, filer).data["subject"] == expense()["subject"]
    complete_task(fill.id, filer, expense(2))
    complete_task(todo(head)[0].id, head, {"verdict": "APPROVE"})
    db.session.commit()
    db.session.refresh(instance)
    assert instance.status == "COMPLETED"
    assert load_workflow(instance).get_tasks()[-1].data["approved_total"] == W("1.40")


def test_migration_marks_versions_deployed_before_it_flat(db, app):
    """c4e1a0000005 on a database that already holds a version: that version becomes "flat";
    versions deployed afterwards are "tasks"."""
    from flask_migrate import downgrade, upgrade

    directory = str(Path(app.root_path).parent / "migrations")
    db.session.commit()
    db.session.close()
    downgrade(directory=directory, revision="c4e1a0000004")
    try:
        db.session.execute(text(
            "INSERT INTO process_model_version (id, key, version, name, content_hash, files, forms, processes,"
            " deployed_at) VALUES (:id, 'old', 1, 'old', 'x', '{}', '{}', '[]', now())"), {"id": uuid.uuid4()})
        db.session.commit()
    finally:
        db.session.close()
        upgrade(directory=directory)
    assert db.session.execute(text("SELECT data_flow FROM process_model_version")).scalars().all() == ["flat"]
    deploy({EXAMPLE_MODEL.name: EXAMPLE_MODEL.read_bytes()}, "test")
    db.session.commit()
    flows = dict(db.session.execute(text("SELECT key, data_flow FROM process_model_version")).all())
    assert flows == {"old": "flat", "ex_two_step_approval": "tasks"}
