"""The approval operations through /api/v1 on PostgreSQL: status codes, field errors, effects."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.factories import expense, make_user

MODEL = Path(__file__).resolve().parent.parent / "models" / "ops_review.bpmn"
DATA = {"experts": ["e1"], "voters": ["v1"], "cc_list": []}


@pytest.fixture()
def users(db):
    from engine.definitions.deploy import deploy

    deploy({MODEL.name: MODEL.read_bytes()}, "test")
    make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01"))
    make_user("fin", ("FIN_PERF", "ALL", None))
    make_user("root", ("SYS_ADMIN", "ALL", None))
    for name in ("e1", "v1", "cc1", "other"):
        make_user(name)
    db.session.commit()


def _start(client, h) -> str:
    created = client.post("/api/v1/process-models/ops_review/instances", json={"data": DATA}, headers=h)
    assert created.status_code == 201, created.get_json()
    task = created.get_json()["ready_tasks"][0]
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": expense()}, headers=h)
    assert done.status_code == 200, done.get_json()
    return created.get_json()["id"]


def _task(client, h, name):
    return next(t for t in client.get("/api/v1/tasks", headers=h).get_json() if t["name"] == name)


def test_return_via_api_with_field_errors_then_jump_back(client, users, token_for):
    filer, head = token_for("filer"), token_for("head")
    instance_id = _start(client, filer)
    check = _task(client, head, "ut_check")
    steps = client.get(f"/api/v1/tasks/{check['id']}/returnable", headers=head).get_json()
    assert [s["name"] for s in steps] == ["ut_fill"] and steps[0]["completed_by"] == "filer"
    bad = client.post(f"/api/v1/tasks/{check['id']}/return", json={"target": "x", "resubmit": "SIDEWAYS"},
                      headers=head)
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"target", "opinion", "resubmit"}
    assert client.post(f"/api/v1/tasks/{check['id']}/return", json={"target": steps[0]["id"], "opinion": "x"},
                       headers=filer).status_code == 403
    ok = client.post(f"/api/v1/tasks/{check['id']}/return",
                     json={"target": steps[0]["id"], "opinion": "请补充询价材料", "resubmit": "JUMP_BACK"}, headers=head)
    assert ok.status_code == 200 and [t["name"] for t in ok.get_json()["ready_tasks"]] == ["ut_fill"]
    again = client.post(f"/api/v1/tasks/{check['id']}/return", json={"target": steps[0]["id"], "opinion": "再退"},
                        headers=head)
    assert again.status_code == 409
    fill = _task(client, filer, "ut_fill")
    shown = client.get(f"/api/v1/tasks/{fill['id']}", headers=filer).get_json()
    assert shown["data"]["subject"] == expense()["subject"]
    done = client.post(f"/api/v1/tasks/{fill['id']}/complete", json={"data": expense()}, headers=filer)
    assert [(t["name"], t["assignee"]) for t in done.get_json()["ready_tasks"]] == [("ut_check", "head")]
    opinions = client.get(f"/api/v1/instances/{instance_id}/opinions", headers=filer).get_json()
    assert [o["action"] for o in opinions] == ["return"]  # plain submissions are no opinions
    assert opinions[0]["text"] == "请补充询价材料" and opinions[0]["action_label"] == "退回"


def test_claim_transfer_delegate_and_draft(client, users, token_for):
    filer, head, other = token_for("filer"), token_for("head"), token_for("other")
    _start(client, filer)
    check = _task(client, head, "ut_check")
    assert client.post(f"/api/v1/tasks/{check['id']}/claim", headers=head).status_code == 200
    assert client.post(f"/api/v1/tasks/{check['id']}/claim", headers=head).status_code == 409
    # someone who cannot see the task: 404, as for a missing id (issue 10); the claimant may not release for others
    assert client.post(f"/api/v1/tasks/{check['id']}/release", headers=other).status_code == 404
    draft = client.post(f"/api/v1/tasks/{check['id']}/draft", json={"data": {"comment": "还没想好怎么写"}},
                        headers=head)
    assert draft.status_code == 200
    assert client.get(f"/api/v1/tasks/{check['id']}", headers=head).get_json()["data"]["comment"] == "还没想好怎么写"
    bad = client.post(f"/api/v1/tasks/{check['id']}/transfer", json={"to": "ghost"}, headers=head)
    assert bad.status_code == 422 and "to" in bad.get_json()["errors"]
    moved = client.post(f"/api/v1/tasks/{check['id']}/delegate", json={"to": "other", "opinion": "请核对"},
                        headers=head)
    assert moved.status_code == 200 and moved.get_json()["delegation"] == "PENDING"
    view = client.get(f"/api/v1/tasks/{check['id']}", headers=other).get_json()
    assert view["can_resolve"] and not view["can_complete"]
    assert client.post(f"/api/v1/tasks/{check['id']}/complete", json={"data": {"verdict": "APPROVE"}},
                       headers=other).status_code == 403
    assert client.post(f"/api/v1/tasks/{check['id']}/resolve", json={}, headers=other).status_code == 422
    assert client.post(f"/api/v1/tasks/{check['id']}/resolve", json={"opinion": "核对无误"},
                       headers=other).status_code == 200
    assert client.post(f"/api/v1/tasks/{check['id']}/complete", json={"data": {"verdict": "APPROVE"}},
                       headers=head).status_code == 200


def test_urge_cc_comment_prediction_notifications(client, users, token_for):
    filer, head, cc1 = token_for("filer"), token_for("head"), token_for("cc1")
    instance_id = _start(client, filer)
    first = client.post(f"/api/v1/instances/{instance_id}/urge", json={"message": "请尽快"}, headers=filer)
    assert first.status_code == 200 and first.get_json()["urged"] == ["head"]
    assert client.post(f"/api/v1/instances/{instance_id}/urge", json={}, headers=filer).status_code == 429
    notes = client.get("/api/v1/notifications", headers=head).get_json()
    assert notes[0]["kind"] == "urge" and notes[0]["body"] == "请尽快"
    assert client.post(f"/api/v1/instances/{instance_id}/cc", json={"to": ["cc1"], "note": "知悉"},
                       headers=filer).status_code == 201
    inbox = client.get("/api/v1/cc?unread=1", headers=cc1).get_json()
    assert len(inbox) == 1 and not inbox[0]["read"]
    assert client.post(f"/api/v1/cc/{inbox[0]['id']}/read", headers=cc1).status_code == 200
    assert client.get("/api/v1/cc?unread=1", headers=cc1).get_json() == []
    assert client.post(f"/api/v1/instances/{instance_id}/comments", json={"text": ""},
                       headers=filer).status_code == 422
    assert client.post(f"/api/v1/instances/{instance_id}/comments", json={"text": "补充说明"},
                       headers=filer).status_code == 201
    predicted = client.get(f"/api/v1/instances/{instance_id}/prediction", headers=filer).get_json()
    assert [p["step"] for p in predicted][:2] == ["ut_review_a", "ut_review_b"]
    assert client.get(f"/api/v1/instances/{instance_id}/prediction", headers=token_for("other")).status_code == 404


def test_batch_complete_only_where_the_model_allows(client, users, token_for):
    filer, head, fin = token_for("filer"), token_for("head"), token_for("fin")
    _start(client, filer)
    check = _task(client, head, "ut_check")
    refused = client.post("/api/v1/tasks/batch-complete", json={"ids": [check["id"]]}, headers=head).get_json()
    assert refused == [{"id": check["id"], "ok": False, "errors": {"_task": ["该环节不允许批量审批"]}}]
    assert client.post("/api/v1/tasks/batch-complete", json={"ids": []}, headers=head).status_code == 422
    _ = fin


def test_withdraw_and_handover_permissions(client, users, token_for):
    filer, head, root = token_for("filer"), token_for("head"), token_for("root")
    instance_id = _start(client, filer)
    assert client.post(f"/api/v1/instances/{instance_id}/withdraw", json={}, headers=head).status_code == 403
    done = client.post(f"/api/v1/instances/{instance_id}/withdraw", json={"opinion": "撤回修改"}, headers=filer)
    assert done.status_code == 200 and [t["name"] for t in done.get_json()["ready_tasks"]] == ["ut_fill"]
    assert client.post("/api/v1/admin/users/e1/handover", json={"to": "other"}, headers=head).status_code == 403
    assert client.post("/api/v1/admin/users/e1/handover", json={"to": "other"}, headers=root).get_json() == {"moved": 0}
    deputy = client.post("/api/v1/me/deputies", json={"deputy": "other", "starts_on": "2026-01-01",
                                                      "ends_on": "2025-01-01"}, headers=head)
    assert deputy.status_code == 422 and "ends_on" in deputy.get_json()["errors"]


def test_bad_step_properties_are_refused_at_deployment(client, users, token_for):
    import io

    broken = MODEL.read_bytes().replace(b'value="RATIO"', b'value="MOST"').replace(b'id="ops_review"',
                                                                                 b'id="ops_review_bad"')
    response = client.post("/api/v1/process-models", headers=token_for("root"), content_type="multipart/form-data",
                           data={"files": (io.BytesIO(broken), "ops_review_bad.bpmn")})
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert any(e["element_id"] == "ut_vote" and "multiSign" in e["message"] for e in errors), errors


def test_attachments_on_instances_with_type_and_size_limits(client, users, token_for, app):
    import io

    filer, head, other = token_for("filer"), token_for("head"), token_for("other")
    instance_id = _start(client, filer)

    def upload(h, name, content, **form):
        return client.post("/api/v1/attachments", headers=h, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), name), **form})

    bad = upload(filer, "virus.exe", b"MZ...", instance_id=instance_id)
    assert bad.status_code == 422 and "不支持的文件类型" in bad.get_json()["errors"]["file"][0]
    app.config["ATTACHMENT_MAX_BYTES"] = 10
    big = upload(filer, "big.pdf", b"x" * 11, instance_id=instance_id)
    assert big.status_code == 422 and "大小上限" in big.get_json()["errors"]["file"][0]
    app.config["ATTACHMENT_MAX_BYTES"] = 20 * 1024 * 1024
    assert upload(other, "a.pdf", b"%PDF-1.4", instance_id=instance_id).status_code == 404  # cannot see it
    ok = upload(filer, "询价记录.pdf", b"%PDF-1.4 quotes", instance_id=instance_id)
    assert ok.status_code == 201
    listed = client.get(f"/api/v1/instances/{instance_id}/attachments", headers=head).get_json()
    assert [a["name"] for a in listed] == ["询价记录.pdf"]
    assert client.get(f"/api/v1/attachments/{ok.get_json()['id']}", headers=head).data == b"%PDF-1.4 quotes"
    assert client.get(f"/api/v1/attachments/{ok.get_json()['id']}", headers=other).status_code == 404
    history = client.get(f"/api/v1/instances/{instance_id}", headers=filer).get_json()["history"]
    assert any(h["action"] == "attach" and h["title"] == "询价记录.pdf" for h in history)
    # a file given in a form's file field belongs to the instance once the task is completed
    note = upload(head, "审核意见.docx", b"PK..")
    check = _task(client, head, "ut_check")
    done = client.post(f"/api/v1/tasks/{check['id']}/complete", headers=head,
                       json={"data": {"verdict": "APPROVE", "opinion_attachments": [note.get_json()["id"]]}})
    assert done.status_code == 200, done.get_json()
    names = [a["name"] for a in client.get(f"/api/v1/instances/{instance_id}/attachments", headers=filer).get_json()]
    assert names == ["询价记录.pdf", "审核意见.docx"]


def test_copied_people_can_read_the_instance(client, users, token_for):
    filer, cc1 = token_for("filer"), token_for("cc1")
    instance_id = _start(client, filer)
    assert client.get(f"/api/v1/instances/{instance_id}", headers=cc1).status_code == 404
    client.post(f"/api/v1/instances/{instance_id}/cc", json={"to": ["cc1"]}, headers=filer)
    assert client.get(f"/api/v1/instances/{instance_id}", headers=cc1).status_code == 200


def test_observers_read_but_get_403_for_comment_urge_and_cc(client, users, token_for, db):
    make_user("npc", ("OBS_NPC", "ALL", None))
    db.session.commit()
    filer, npc = token_for("filer"), token_for("npc")
    instance_id = _start(client, filer)
    assert client.get(f"/api/v1/instances/{instance_id}", headers=npc).status_code == 200
    assert client.get(f"/api/v1/instances/{instance_id}/opinions", headers=npc).status_code == 200
    for path, body in (("comments", {"text": "人大观察员的意见"}), ("urge", {"message": "请尽快"}),
                       ("cc", {"to": ["cc1"]})):
        refused = client.post(f"/api/v1/instances/{instance_id}/{path}", json=body, headers=npc)
        assert refused.status_code == 403 and "观察员只能查看" in refused.get_json()["message"], path
    upload = client.post("/api/v1/attachments", headers=npc, content_type="multipart/form-data",
                         data={"instance_id": instance_id, "file": (io.BytesIO(b"%PDF-1.4"), "obs.pdf")})
    assert upload.status_code == 403 and "观察员只能查看" in upload.get_json()["message"]
    assert client.get(f"/api/v1/instances/{instance_id}/opinions", headers=filer).get_json() == []
    assert client.get("/api/v1/cc", headers=token_for("cc1")).get_json() == []


def test_transfer_to_a_signer_of_the_same_step_is_422_and_a_deputy_cancelled_twice_409(client, users, token_for):
    filer, head = token_for("filer"), token_for("head")
    _start(client, filer)
    check = _task(client, head, "ut_check")
    client.post(f"/api/v1/tasks/{check['id']}/claim", headers=head)
    added = client.post(f"/api/v1/tasks/{check['id']}/signers", json={"users": ["other"], "position": "AFTER"},
                        headers=head)
    assert added.status_code == 201
    refused = client.post(f"/api/v1/tasks/{check['id']}/transfer", json={"to": "other"}, headers=head)
    assert refused.status_code == 422 and "已是本环节的待签人" in refused.get_json()["errors"]["to"][0]
    deputy = client.post("/api/v1/me/deputies", json={"deputy": "other", "starts_on": "2020-01-01",
                                                      "ends_on": "2099-12-31"}, headers=head).get_json()
    assert client.delete(f"/api/v1/me/deputies/{deputy['id']}", headers=head).status_code == 200
    again = client.delete(f"/api/v1/me/deputies/{deputy['id']}", headers=head)
    assert again.status_code == 409 and again.get_json()["message"] == "该代理已取消"
