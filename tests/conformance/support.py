"""Deploying and running a model the way an administrator and its users do: the deploy API (a
multipart POST of the files), the start API and the complete API, as the initiator."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

MODELS = Path(__file__).resolve().parent.parent / "models" / "conformance"


def model(name: str) -> dict[str, bytes]:
    path = MODELS / f"{name}.bpmn"
    return {path.name: path.read_bytes()}


def deploy(client: FlaskClient, headers: dict[str, str], files: dict[str, bytes], key: str | None = None) -> Any:
    data: dict[str, Any] = {"files": [(io.BytesIO(content), name) for name, content in files.items()]}
    if key:
        data["key"] = key
    return client.post("/api/v1/process-models", headers=headers, content_type="multipart/form-data", data=data)


def start(client: FlaskClient, headers: dict[str, str], key: str, **body: Any) -> Any:
    return client.post(f"/api/v1/process-models/{key}/instances", json={"data": {}, **body}, headers=headers)


def complete(client: FlaskClient, headers: dict[str, str], task_id: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data or {"verdict": "APPROVE"}},
                       headers=headers)


def instance(client: FlaskClient, headers: dict[str, str], instance_id: str) -> dict[str, Any]:
    reply = client.get(f"/api/v1/instances/{instance_id}", headers=headers)
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    return reply.get_json()


def run_through(client: FlaskClient, headers: dict[str, str], started: dict[str, Any], limit: int = 30) -> Any:
    """Complete every ready task as `headers`' user (the initiator) until none is left or one fails;
    the last reply (or the start's)."""
    reply_json, reply = started, None
    for _ in range(limit):
        tasks = reply_json.get("ready_tasks") or []
        if not tasks:
            break
        reply = complete(client, headers, tasks[0]["id"])
        if reply.status_code != 200:
            return reply
        reply_json = reply.get_json()
    return reply
