"""Limits that hold under concurrency (issue 10, point 4): 催办 once per person per instance per 10
minutes with 20 parallel requests against a live server; sign-in throttled per account and per
address on real Redis, with the same work for unknown users; logout ends the session and the
tokens on the server side."""
from __future__ import annotations

import threading
from collections import Counter

import requests

from engine.base import identity
from engine.moves.runtime import start_process
from tests.factories import PASSWORD, deploy_example, make_user

PARALLEL = 20


def _token(base: str, username: str) -> str:
    reply = requests.post(f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()["token"]


def test_twenty_parallel_urges_are_accepted_once(live_server, db):
    deploy_example()
    filer = make_user("lm_f", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("lm_h", ("UNIT_HEAD", "UNIT", "D01-U01"))
    db.session.commit()
    instance = start_process("ex_two_step_approval", filer)
    db.session.commit()
    headers = {"Authorization": f"Bearer {_token(live_server, 'lm_h')}"}
    barrier = threading.Barrier(PARALLEL)
    statuses: list[int] = []

    def urge() -> None:
        barrier.wait()
        reply = requests.post(f"{live_server}/api/v1/instances/{instance.id}/urge", json={"message": "请尽快"},
                              headers=headers, timeout=60)
        statuses.append(reply.status_code)

    threads = [threading.Thread(target=urge) for _ in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert Counter(statuses) == {200: 1, 429: PARALLEL - 1}


def test_failed_sign_ins_are_throttled_per_account_with_retry_after(live_server, db):
    make_user("lm_a")
    db.session.commit()
    wrong = {"username": "lm_a", "password": "wrong"}
    for _ in range(5):
        assert requests.post(f"{live_server}/api/v1/auth/token", json=wrong, timeout=10).status_code == 401
    refused = requests.post(f"{live_server}/api/v1/auth/token", json={**wrong, "password": PASSWORD}, timeout=10)
    assert refused.status_code == 429
    assert refused.json()["message"] == "登录失败次数过多，请 15 分钟后再试"
    assert int(refused.headers["Retry-After"]) > 0
    page = requests.post(f"{live_server}/login", data={"username": "LM_A", "password": PASSWORD}, timeout=10)
    assert page.status_code == 429 and "登录失败次数过多" in page.text  # the page counts the same account


def test_failed_sign_ins_are_throttled_per_address(live_server, db):
    make_user("lm_b")
    db.session.commit()
    for i in range(20):  # 20 names, 1 failure each: no account reaches its limit, the address does
        reply = requests.post(f"{live_server}/login", data={"username": f"nobody{i}", "password": "x"}, timeout=10)
        assert reply.status_code == 401
    reply = requests.post(f"{live_server}/api/v1/auth/token", json={"username": "lm_b", "password": PASSWORD}, timeout=10)
    assert reply.status_code == 429 and "Retry-After" in reply.headers


def test_successful_sign_ins_do_not_count(live_server, db):
    make_user("lm_c")
    db.session.commit()
    for _ in range(8):
        _token(live_server, "lm_c")


def test_unknown_users_cost_the_same_password_check(app, db):
    """The two code paths do the same work: one check against a hash of the product's method."""
    user = make_user("lm_d")
    user.set_password(PASSWORD)  # the product's scrypt, as production stores it
    db.session.commit()
    before = Counter(identity.HASH_CHECKS)
    assert identity.authenticate("lm_d", "wrong") is None
    known = identity.HASH_CHECKS - before
    before = Counter(identity.HASH_CHECKS)
    assert identity.authenticate("no_such_user", "wrong") is None
    unknown = identity.HASH_CHECKS - before
    assert known == unknown == Counter({identity.PASSWORD_METHOD: 1})


def test_logout_ends_the_session_and_its_tokens(live_server, db):
    make_user("lm_e")
    db.session.commit()
    browser = requests.Session()
    assert browser.post(f"{live_server}/login", data={"username": "lm_e", "password": PASSWORD},
                        allow_redirects=False, timeout=10).status_code == 302
    token = _token(live_server, "lm_e")
    saved = dict(browser.cookies)
    assert browser.get(f"{live_server}/todo", allow_redirects=False, timeout=10).status_code == 200
    assert browser.post(f"{live_server}/logout", allow_redirects=False, timeout=10).status_code == 302

    replayed = requests.get(f"{live_server}/todo", cookies=saved, allow_redirects=False, timeout=10)
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]
    api = requests.get(f"{live_server}/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert api.status_code == 401
    again = requests.Session()  # signing in again works, with a fresh session
    assert again.post(f"{live_server}/login", data={"username": "lm_e", "password": PASSWORD},
                      allow_redirects=False, timeout=10).status_code == 302
    assert again.get(f"{live_server}/todo", allow_redirects=False, timeout=10).status_code == 200
