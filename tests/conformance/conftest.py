"""Conformance fixtures: an administrator who deploys through the API and starts what he deploys."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user


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
