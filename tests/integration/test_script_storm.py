"""Issue 10 point 1's test: 16 concurrent starts of a looping model through the real app served
threaded (werkzeug, as `make run` did) leave /healthz answering and no connection idle in a
transaction. Asserted bound: 5 s for /healthz (the requirement is 1 s; slack for a loaded 2-core CI
machine, where 16 spinning threads share the GIL)."""
from __future__ import annotations

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
