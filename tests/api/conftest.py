"""API fixtures: tokens for users made in the test."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD


@pytest.fixture()
def token_for(client):
    def issue(username: str) -> dict[str, str]:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return issue
