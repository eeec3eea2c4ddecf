"""Issue 10 point 1's test: 16 concurrent starts of a looping model through the real app served
threaded (werkzeug, as `make run` did) leave /healthz answering and no connection idle in a
transaction. Asserted bound: 5 s for /healthz (the requirement is 1 s; slack for a loaded 2-core CI
machine, where 16 spinning threads share the GIL)."""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import text
from werkzeug.serving import make_server

from tests.factories import PASSWORD, make_user
from tests.integration.test_script_limits import deploy_runaway

STARTS = 16


@pytest.fixture()
def server(app, db):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_sixteen_looping_starts_leave_the_server_answering(db, server):
    deploy_runaway()
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    db.session.commit()
    token = requests.post(f"{server}/api/v1/auth/token", json={"username": "f1", "password": PASSWORD},
                          timeout=30).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}

    def start(_: int) -> requests.Response:
        return requests.post(f"{server}/api/v1/process-models/hs_runaway/instances",
                             json={"data": {"kind": "loop"}}, headers=headers, timeout=60)

    with ThreadPoolExecutor(STARTS) as pool:
        storm = [pool.submit(start, i) for i in range(STARTS)]
        time.sleep(0.5)  # the loops are running
        health_times = []
        for _ in range(3):
            t0 = time.monotonic()
            health = requests.get(f"{server}/healthz", timeout=30)
            health_times.append(time.monotonic() - t0)
            assert health.status_code == 200, health.text
        answers = [f.result() for f in storm]
    assert max(health_times) < 5.0, health_times
    assert [a.status_code for a in answers] == [422] * STARTS
    assert all("已中止" in a.json()["errors"]["_process"][0] for a in answers)
    db.session.rollback()
    idle = db.session.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'idle in transaction' AND pid <> pg_backend_pid()")).scalar()
    assert idle == 0
    print("healthz during the storm (s):", [round(t, 3) for t in health_times])


@pytest.fixture()
def gunicorn_server(app, db, database_url: str, redis_url: str):
    """The app as `make run` serves it: gunicorn sync workers (web.run's count), separate processes."""
    import os
    import subprocess
    import sys

    from web.config import ROOT
    from web.run import web_workers

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "USER_WRITES_IN_FLIGHT": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(web_workers()), "--bind",
                             f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(15)


def test_one_account_cannot_occupy_every_gunicorn_worker(db, gunicorn_server):
    """Sync workers serve one request each: without the per-person gate (web.inflight) 16 looping
    starts queue /healthz behind them for several seconds (5.7 s measured with 5 workers). With it,
    two run (and end within their budget, 422), the rest are told at once (429), and /healthz answers
    at once (under a second on a quiet machine)."""
    deploy_runaway()
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    db.session.commit()
    server = gunicorn_server
    token = requests.post(f"{server}/api/v1/auth/token", json={"username": "f1", "password": PASSWORD},
                          timeout=30).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    with ThreadPoolExecutor(8) as pool:  # every worker has served (a cold worker's first answer is slow)
        list(pool.map(lambda _: requests.get(f"{server}/healthz", timeout=30), range(40)))

    def start(_: int) -> requests.Response:
        return requests.post(f"{server}/api/v1/process-models/hs_runaway/instances",
                             json={"data": {"kind": "loop"}}, headers=headers, timeout=60)

    with ThreadPoolExecutor(STARTS) as pool:
        storm = [pool.submit(start, i) for i in range(STARTS)]
        time.sleep(0.5)
        health_times = []
        for _ in range(3):
            t0 = time.monotonic()
            assert requests.get(f"{server}/healthz", timeout=30).status_code == 200
            health_times.append(time.monotonic() - t0)
        answers = [f.result() for f in storm]
    codes = sorted(a.status_code for a in answers)
    print("healthz beside gunicorn's storm (s):", [round(t, 3) for t in health_times], codes)
    assert set(codes) == {422, 429} and codes.count(422) <= 2 * 3, codes  # ≤ 2 at a time, each ≤ ~2 s
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["message"] == "您有其他操作正在处理，请等它完成后再提交"
    assert refused.headers["Retry-After"]
    # Without the gate /healthz queued 5.7 s behind the storm; with it, it is served at once. The bound
    # sits well between the two so that a loaded CI machine (1.6 s seen at load 4 on 2 cores) passes.
    assert max(health_times) < 3.0, health_times
    # The slots come back: once the storm is over the same person can act again.
    assert start(0).status_code == 422
