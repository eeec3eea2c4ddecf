"""The 示例市 demo data with the FY2025 monitoring series of sample-data §8.6 (months 1–9)."""
from __future__ import annotations

import pytest

from budget.demo import load_demo
from engine.base.db import db as _db
from tests.factories import PASSWORD
from tests.monitoring_series import write_series


@pytest.fixture()
def year_2025(db):
    load_demo(PASSWORD)
    written = write_series()
    _db.session.commit()
    return written


@pytest.fixture()
def token_for(client):
    def issue(username: str) -> dict[str, str]:
        reply = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert reply.status_code == 200, reply.get_json()
        return {"Authorization": f"Bearer {reply.get_json()['token']}"}

    return issue


@pytest.fixture()
def login(app, year_2025):
    """A logged-in page client per demo user (each its own cookies)."""
    from tests.pages.conftest import PersonClient

    def as_user(username: str):  # noqa: ANN202
        client = PersonClient(app, app.response_class, use_cookies=True)
        reply = client.post("/login", data={"username": username, "password": PASSWORD})
        assert reply.status_code == 302, reply.get_data(as_text=True)
        return client

    return as_user
