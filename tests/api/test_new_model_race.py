"""Two administrators create a new model with the same key at the same moment, through the page
and through the API, against a live server and the real PostgreSQL: one draft is written, every
other request is told in Chinese that the key is taken (the page 422, the API a field error),
none is a 500."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
import requests
from sqlalchemy import func, select

from engine.base.model_admin import ModelDraft
from tests.factories import EXAMPLE_MODEL, PASSWORD, deploy_example, make_user

RACERS = 6


@pytest.fixture()
def admins(db) -> tuple[str, str]:
    make_user("race_admin1", ("SYS_ADMIN", "ALL", None), name="管理员甲")
    make_user("race_admin2", ("SYS_ADMIN", "ALL", None), name="管理员乙")
    db.session.commit()
    return "race_admin1", "race_admin2"


def race(send: Callable[[int], requests.Response]) -> list[requests.Response]:
    barrier, replies = threading.Barrier(RACERS), []

    def one(i: int) -> None:
        barrier.wait()
        replies.append(send(i))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return replies


def drafts(db, key: str) -> list[ModelDraft]:  # noqa: ANN001
    db.session.expire_all()
    return list(db.session.scalars(select(ModelDraft).where(ModelDraft.key == key)))


def test_same_key_on_the_page_one_wins_the_others_are_told(live_server, db, admins):
    sessions = []
    for username in admins:
        s = requests.Session()
        assert s.post(f"{live_server}/login", data={"username": username, "password": PASSWORD},
                      allow_redirects=False, timeout=10).status_code == 302
        sessions.append(s)
    form = {"key": "race_claim", "name": "费用报销", "template": "single_approval"}
    replies = race(lambda i: sessions[i % 2].post(f"{live_server}/admin/models/new", data=form,
                                                  allow_redirects=False, timeout=60))
    assert Counter(r.status_code for r in replies) == {302: 1, 422: RACERS - 1}
    assert all("模型标识 “race_claim” 已被使用" in r.text for r in replies if r.status_code == 422)
    [draft] = drafts(db, "race_claim")
    assert draft.saved_by in admins and draft.files and draft.note == "由模板新建"


def test_same_key_through_the_api_one_wins_the_others_get_a_field_error(live_server, db, admins):
    tokens = [requests.post(f"{live_server}/api/v1/auth/token", json={"username": u, "password": PASSWORD},
                            timeout=10).json()["token"] for u in admins]
    body = {"key": "race_api", "name": "差旅报销", "template": "blank"}
    replies = race(lambda i: requests.post(f"{live_server}/api/v1/process-models/new", json=body, timeout=60,
                                           headers={"Authorization": f"Bearer {tokens[i % 2]}"}))
    assert Counter(r.status_code for r in replies) == {201: 1, 422: RACERS - 1}
    refused = [r.json() for r in replies if r.status_code == 422]
    assert all(e["errors"]["key"] == ["模型标识 “race_api” 已被使用"] for e in refused), refused[0]
    assert len(drafts(db, "race_api")) == 1
    assert db.session.scalar(select(func.count()).select_from(ModelDraft)) == 1


def test_first_drafts_of_a_deployed_model_saved_at_once_keep_one_draft(live_server, db, admins):
    deploy_example()
    tokens = [requests.post(f"{live_server}/api/v1/auth/token", json={"username": u, "password": PASSWORD},
                            timeout=10).json()["token"] for u in admins]
    xml = EXAMPLE_MODEL.read_text(encoding="utf-8")
    replies = race(lambda i: requests.put(
        f"{live_server}/api/v1/process-models/ex_two_step_approval/draft", timeout=60,
        json={"files": {EXAMPLE_MODEL.name: xml}, "note": f"第 {i} 份"},
        headers={"Authorization": f"Bearer {tokens[i % 2]}"}))
    assert Counter(r.status_code for r in replies) == {200: RACERS}  # the last save wins, as one at a time
    [draft] = drafts(db, "ex_two_step_approval")
    assert draft.note.startswith("第 ")
