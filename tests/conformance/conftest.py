"""Conformance fixtures: an administrator who deploys through the API and starts what he deploys."""
from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conformance import judge
from tests.conftest import empty_database
from tests.factories import PASSWORD, make_user

# SpiffWorkflow's own test models are read from a checkout named at run time (upstream.py).
collect_ignore = [] if os.environ.get("SPIFF_UPSTREAM_TESTS") else ["test_upstream.py"]


@pytest.fixture()
def token_for(client):
    def issue(username: str) -> dict[str, str]:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return issue


@pytest.fixture()
def admin(db, token_for) -> dict[str, str]:
    make_user("cf_admin", ("SYS_ADMIN", "ALL", None))
    db.session.commit()
    return token_for("cf_admin")


# One database for a whole sweep module (emptied once at its end): every case deploys its own key
# and leaves nothing waiting that a later case's message could reach; emptying per case cost ~2 s.
@pytest.fixture(scope="module")
def sweep_db(app):
    from engine.base.db import db as _db

    with app.app_context():
        make_user(judge.SWEEPER, ("SYS_ADMIN", "ALL", None))
        _db.session.commit()
        yield _db
        empty_database(_db)


@pytest.fixture(scope="module")
def sweeper(app, sweep_db) -> tuple[Any, dict[str, str]]:
    client = app.test_client()
    reply = client.post("/api/v1/auth/token", json={"username": judge.SWEEPER, "password": PASSWORD})
    return client, {"Authorization": f"Bearer {reply.get_json()['token']}"}

