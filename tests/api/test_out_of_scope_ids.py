"""One answer for what you may not see (issue 10 point 5): every API route and every page route
with an id, called by a user of another department (holding the very role of the step, only
elsewhere), answers 404 — the same answer as for an id that does not exist — and changes nothing.
The routes come from the app's URL map, so a new route with an id is covered (or fails here)."""
from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from engine.base.models import Attachment, CarbonCopy, Deputy, HumanTask, Notification, ProcessInstance
from engine.moves import handoffs
from engine.work.opinions import notify
from tests.factories import PASSWORD, expense, make_user

MODEL = Path(__file__).resolve().parent.parent / "models" / "ops_review.bpmn"
DATA = {"experts": ["e1"], "voters": ["v1"], "cc_list": []}
# Answered by role before any id is looked up (only administrators): the same 403 for every id.
# The one route whose body is parsed before the scope check (the completion's statement budget, see
# tests/api/test_move_reply.py): a malformed body gets the same 422 for any id, so it tells nothing.
BODY_FIRST = {"api.complete"}
ROLE_FIRST = {"api.discard_job", "api.retry_job", "api.handover", "queue_admin.discard", "queue_admin.retry",
              "execution.detail",
              # decision tables and rule settings: the system administrator's, not scoped by department
              "rules.table", "rules.save_draft", "rules.what_if", "rules.what_if_run", "rules.activate", "rules.editor",
              "rules.save_from_editor",
              "rules.save_settings", "rules.activate_settings", "api.list_table_versions", "api.get_table_version",
              "api.add_table_draft", "api.table_what_if", "api.what_if_progress", "api.activate_table",
              "api.get_rule_settings", "api.add_rule_settings", "api.activate_rule_settings",
              # the model editor (issue 13 point 2): administrators only, keyed by model key
              "admin.form_preview", "admin.model_json", "admin.model_validate", "admin.model_draft_save",
              "admin.model_draft_delete", "admin.model_deploy", "admin.model_versions_json", "admin.model_versions",
              "admin.model_compare", "admin.model_editor", "api.model_json", "api.model_validate", "api.model_draft_save",
              "api.model_draft_delete", "api.model_deploy", "api.model_versions", "api.model_compare",
              # versions and migration: the system administrator's (issue 13 point 4)
              "admin_versions.migrations", "admin_versions.activate", "admin_versions.start", "api.activate_version",
              "api.model_audit", "api.migration_preview", "api.start_migration", "api.migration_progress"}
NOT_AN_ID = {"static", "api.start", "inbox.start"}  # a file path; a process key anyone may start
FORM = {"opinion": "看看", "to": "filer", "users": "filer", "target": "x", "message": "催", "note": "n",
        "text": "评论", "comment": "x", "verdict": "APPROVE", "item_id": "", "reason": "x"}
JSON = {"opinion": "看看", "to": "filer", "users": ["filer"], "target": "x", "message": "催", "note": "n",
        "text": "评论", "data": {}, "position": "AFTER"}


@pytest.fixture()
def world(app, db, client, token_for):
    from engine.definitions.deploy import deploy

    deploy({MODEL.name: MODEL.read_bytes()}, "test")
    filer = make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01"))
    make_user("outsider", ("UNIT_HEAD", "UNIT", "D02-U01"), ("UNIT_FILER", "UNIT", "D02-U01"))
    for name in ("e1", "v1", "cc1"):
        make_user(name)
    db.session.commit()
    head = token_for("filer")
    created = client.post("/api/v1/process-models/ops_review/instances", json={"data": DATA}, headers=head)
    instance_id = created.get_json()["id"]
    fill = created.get_json()["ready_tasks"][0]["id"]
    assert client.post(f"/api/v1/tasks/{fill}/complete", json={"data": expense()}, headers=head).status_code == 200
    check = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == uuid.UUID(instance_id),
                                                         HumanTask.status == "READY"))
    upload = client.post("/api/v1/attachments", headers=head, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"%PDF-1.4\n"), "a.pdf"), "instance_id": instance_id})
    assert client.post(f"/api/v1/instances/{instance_id}/cc", json={"to": ["cc1"]}, headers=head).status_code == 201
    notify(["filer"], "urge", "催办：测试", instance=db.session.get(ProcessInstance, uuid.UUID(instance_id)))
    deputy = handoffs.set_deputy(filer, "head", date.today(), date.today() + timedelta(days=3))
    db.session.commit()
    ids = {
        "task": str(check), "instance": instance_id, "attachment": upload.get_json()["id"],
        "cc": str(db.session.scalar(select(CarbonCopy.id))), "deputy": str(deputy.id),
        "note": str(db.session.scalar(select(Notification.id).where(Notification.username == "filer"))),
    }
    return ids


def _kind(rule: str, arg: str) -> str:
    if arg in ("task_id", "signer_id") or rule.startswith("/api/v1/tasks/"):
        return "task"
    if arg == "instance_id" or rule.startswith("/api/v1/instances/"):
        return "instance"
    if arg == "attachment_id" or rule.startswith("/api/v1/attachments/"):
        return "attachment"
    if arg == "cc_id" or rule.startswith("/api/v1/cc/"):
        return "cc"
    if arg == "deputy_id" or rule.startswith("/api/v1/me/deputies/"):
        return "deputy"
    if arg == "note_id":
        return "note"
    return "other"


def _routes(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint in NOT_AN_ID:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule, rule.endpoint))
    return sorted(found)


def _url(rule: str, ids: dict[str, str]) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ids.get(_kind(rule, m.group(1)), m.group(1)), rule)


def _state(db) -> tuple:
    db.session.expire_all()
    counts = tuple(db.session.scalar(select(func.count()).select_from(t)) for t in
                   (Attachment, CarbonCopy, Notification, Deputy, HumanTask))
    tasks = tuple(db.session.execute(select(HumanTask.id, HumanTask.status, HumanTask.assignee, HumanTask.draft)
                                     .order_by(HumanTask.id)).all())
    instances = tuple(db.session.execute(select(ProcessInstance.id, ProcessInstance.status)).all())
    audit = db.session.scalar(text("SELECT count(*) FROM audit_event"))
    marks = tuple(db.session.execute(select(Notification.read_at)).all()) + tuple(
        db.session.execute(select(CarbonCopy.read_at)).all()) + tuple(db.session.execute(select(Deputy.cancelled_at)).all())
    return counts, tasks, instances, audit, marks


def _call(client, method: str, url: str, api_head: dict[str, str] | None):
    if api_head is not None:
        return client.open(url, method=method, headers=api_head, json=JSON)
    return client.open(url, method=method, data=FORM)


def test_every_route_with_an_id_answers_404_to_another_department_and_changes_nothing(app, db, client, world,
                                                                                      token_for):
    api_head = token_for("outsider")
    page = app.test_client()
    assert page.post("/login", data={"username": "outsider", "password": PASSWORD}).status_code == 302
    missing = {k: str(uuid.uuid4()) for k in world}
    before = _state(db)
    routes = _routes(app)
    assert len(routes) > 40  # the table is the app's: API and pages
    wrong = []
    for method, rule, endpoint in routes:
        on_api = rule.startswith("/api/")
        who = client if on_api else page
        real = _call(who, method, _url(rule, world), api_head if on_api else None)
        absent = _call(who, method, _url(rule, missing), api_head if on_api else None)
        expected = 403 if endpoint in ROLE_FIRST else 404
        if (real.status_code, absent.status_code) != (expected, expected):
            wrong.append((method, rule, real.status_code, absent.status_code))
        if on_api and real.status_code == 404:
            assert real.get_json() == absent.get_json(), rule  # not even the message differs
        if on_api and method == "POST" and endpoint not in ROLE_FIRST | BODY_FIRST:  # scope before the body is read
            hostile = client.post(_url(rule, world), headers=api_head, json={"resubmit": ["x"], "to": 5, "data": 1})
            if hostile.status_code != 404:
                wrong.append((method, rule, "bad body", hostile.status_code))
    assert wrong == []
    assert _state(db) == before
