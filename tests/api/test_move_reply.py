"""The reply after a move is built from the work items the move holds (no second read): it must
say exactly what a fresh read says, at every kind of step; and a move costs a fixed number of
SQL statements (docs/design.md, "Bench and the stack floor")."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.factories import expense, make_user

MODEL = Path(__file__).resolve().parent.parent / "models" / "ops_review.bpmn"


@pytest.fixture()
def users(db):
    from engine.definitions.deploy import deploy

    deploy({MODEL.name: MODEL.read_bytes()}, "test")
    make_user("filer", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("head", ("UNIT_HEAD", "UNIT", "D01-U01"))
    make_user("dept", ("DEPT_HEAD", "ALL", None))
    make_user("fin", ("FIN_PERF", "ALL", None))
    for name in ("e1", "e2", "v1", "v2", "v3"):
        make_user(name)
    db.session.commit()


def _fresh_read(app, db, instance_id: str) -> list[dict]:
    """What a new read of the instance's READY items says, as the API would render it."""
    from engine.work.inbox import ready_tasks
    from web.presenters import task_json

    db.session.expire_all()
    return json.loads(app.json.dumps([task_json(t) for t in ready_tasks(instance_id)]))


def _check(app, db, reply) -> list[tuple[str, str | None]]:
    assert reply.status_code in (200, 201), reply.get_json()
    body = reply.get_json()
    instance_id = body.get("instance_id") or body["id"]
    shown, fresh = body["ready_tasks"], _fresh_read(app, db, instance_id)
    assert sorted(shown, key=lambda t: t["id"]) == sorted(fresh, key=lambda t: t["id"])
    stamps = [t["created_at"] for t in shown]
    assert [json.loads(app.json.dumps(s)) for s in stamps] == stamps
    assert [t["id"] for t in shown] == [t["id"] for t in sorted(shown, key=lambda t: (t["created_at"], 0))]
    return sorted((t["name"], t["assignee"]) for t in shown)


def test_reply_after_each_kind_of_move_matches_a_fresh_read(app, db, client, users, token_for):
    tok = {u: token_for(u) for u in ("filer", "head", "dept", "fin", "e1", "e2", "v1", "v2")}

    def item(who: str, name: str) -> str:
        return next(t["id"] for t in client.get("/api/v1/tasks", headers=tok[who]).get_json() if t["name"] == name)

    def complete(who: str, name: str, data: dict | None = None):
        return client.post(f"/api/v1/tasks/{item(who, name)}/complete",
                           json={"data": data or {"verdict": "APPROVE"}}, headers=tok[who])

    started = client.post("/api/v1/process-models/ops_review/instances",
                          json={"data": {"experts": ["e1", "e2"], "voters": ["v1", "v2", "v3"], "cc_list": []}},
                          headers=tok["filer"])
    assert started.status_code == 201
    assert complete("filer", "ut_fill", expense()).get_json()["ready_tasks"][0]["name"] == "ut_check"
    assert _check(app, db, complete("head", "ut_check")) == [("ut_review_a", None), ("ut_review_b", None)]
    # review B was opened by an earlier move: the reply still lists it
    assert _check(app, db, complete("dept", "ut_review_a")) == [("ut_review_b", None)]
    assert _check(app, db, complete("fin", "ut_review_b")) == [("ut_expert", "e1"), ("ut_expert", "e2")]
    assert _check(app, db, complete("e1", "ut_expert")) == [("ut_expert", "e2")]
    assert _check(app, db, complete("e2", "ut_expert")) == [("ut_vote", "v1"), ("ut_vote", "v2"), ("ut_vote", "v3")]
    # a vote that does not decide the step does not move the engine
    assert _check(app, db, complete("v1", "ut_vote")) == [("ut_vote", "v2"), ("ut_vote", "v3")]
    # the deciding vote cancels the last signer's item
    assert _check(app, db, complete("v2", "ut_vote")) == [("ut_final", None)]
    done = complete("fin", "ut_final")
    assert _check(app, db, done) == [] and done.get_json()["status"] == "COMPLETED"


def test_reply_after_a_return_matches_a_fresh_read(app, db, client, users, token_for):
    filer, head = token_for("filer"), token_for("head")
    started = client.post("/api/v1/process-models/ops_review/instances",
                          json={"data": {"experts": ["e1"], "voters": ["v1"], "cc_list": []}}, headers=filer)
    fill = started.get_json()["ready_tasks"][0]["id"]
    client.post(f"/api/v1/tasks/{fill}/complete", json={"data": expense()}, headers=filer)
    check = next(t for t in client.get("/api/v1/tasks", headers=head).get_json() if t["name"] == "ut_check")
    target = client.get(f"/api/v1/tasks/{check['id']}/returnable", headers=head).get_json()[0]["id"]
    returned = client.post(f"/api/v1/tasks/{check['id']}/return", json={"target": target, "opinion": "请补充"},
                           headers=head)
    assert _check(app, db, returned) == [("ut_fill", "filer")]


def test_a_completion_costs_a_fixed_number_of_statements(app, db, client, users, token_for):
    """user and roles; lock the instance; the item and the instance's open items; then one flush:
    close the item, the opinion, the audit rows (one INSERT), the next items (one INSERT), the
    instance. Reading the user's deputies or the ready items again would show up here. Whether
    anybody can act on the new items was asked by the same approval of another instance just
    before, so the count does not depend on which test ran earlier."""
    filer, head = token_for("filer"), token_for("head")
    checks = []
    for _ in range(2):
        started = client.post("/api/v1/process-models/ops_review/instances",
                              json={"data": {"experts": ["e1"], "voters": ["v1"], "cc_list": []}}, headers=filer)
        fill = started.get_json()["ready_tasks"][0]["id"]
        client.post(f"/api/v1/tasks/{fill}/complete", json={"data": expense()}, headers=filer)
        checks.append(next(t for t in client.get("/api/v1/tasks", headers=head).get_json()
                           if t["name"] == "ut_check" and t["instance_id"] == started.get_json()["id"]))
    # The first approval opens the two reviews and asks once per lane whether anybody can act
    # (engine.work.can_act); the answers hold until people change, so the second one does not ask.
    first = client.post(f"/api/v1/tasks/{checks[0]['id']}/complete", json={"data": {"verdict": "APPROVE"}},
                        headers=head)
    assert first.status_code == 200
    check = checks[1]
    statements: list[str] = []

    def seen(conn, cursor, statement, params, context, many):  # noqa: ANN001, ANN202
        statements.append(" ".join(statement.split()[:3]))

    db.session.expunge_all()  # test requests share the test's session; a real request starts empty
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        done = client.post(f"/api/v1/tasks/{check['id']}/complete", json={"data": {"verdict": "APPROVE"}}, headers=head)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert done.status_code == 200 and len(done.get_json()["ready_tasks"]) == 2
    reads, writes = statements[:3], sorted(statements[3:])
    assert [s.split()[1].split(".")[0] for s in reads] == ["app_user", "process_instance", "human_task"], statements
    assert writes == ["INSERT INTO audit_event", "INSERT INTO human_task", "INSERT INTO opinion",
                      "UPDATE human_task SET", "UPDATE process_instance SET"], statements
