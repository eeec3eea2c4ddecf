"""The stack floor: what one task completion costs before any PerfFlow code runs — an HTTP
round trip to a bare Flask endpoint under the same gunicorn, and the smallest durable move
transaction on the same PostgreSQL (lock the instance, write its state, close one task, open
the next, one audit row, commit). bench/p1.py takes one of each between the app's approvals, so
app and floor are measured under the same machine load."""
from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg
import requests

from bench import env


class EchoFloor:
    """A bare Flask JSON endpoint under gunicorn with the app's worker count: one round trip per call."""

    def __init__(self, workers: int) -> None:
        self.server, self.base = env.gunicorn(workers, app="bench.echo_app:app", health="/echo")
        self.session = requests.Session()
        self.headers = {"Authorization": "Bearer " + "x" * 120}

    def one(self) -> float:
        t0 = time.perf_counter()
        response = self.session.post(f"{self.base}/echo", json={"data": {"verdict": "APPROVE"}}, headers=self.headers)
        elapsed = time.perf_counter() - t0
        response.raise_for_status()
        return elapsed

    def close(self) -> None:
        self.server.terminate()


class MoveFloor:
    """The smallest durable move transaction on the same PostgreSQL, in a schema of its own: one
    instance row of the measured state's size and one open task per planned move."""

    def __init__(self, db_url: str, state_bytes: int, moves: int) -> None:
        self.conn = psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://"))
        self.schema = f"stack_floor_{uuid.uuid4().hex[:8]}"
        self.state = "x" * state_bytes
        self.conn.execute(f"CREATE SCHEMA {self.schema}")
        self.conn.execute(f"SET search_path TO {self.schema}")
        self.conn.execute("CREATE TABLE instance (id uuid PRIMARY KEY, state text, moves int)")
        self.conn.execute("CREATE TABLE task (id uuid PRIMARY KEY, instance_id uuid, status text)")
        self.conn.execute("CREATE TABLE audit (id bigserial PRIMARY KEY, instance_id uuid, at timestamptz DEFAULT now())")
        self.pairs = [(uuid.uuid4(), uuid.uuid4()) for _ in range(moves)]
        with self.conn.cursor() as cur:
            for instance_id, task_id in self.pairs:
                cur.execute("INSERT INTO instance VALUES (%s, %s, 0)", (instance_id, self.state))
                cur.execute("INSERT INTO task VALUES (%s, %s, 'READY')", (task_id, instance_id))
        self.conn.commit()

    def one(self) -> float:
        instance_id, task_id = self.pairs.pop()
        t0 = time.perf_counter()
        _one_move(self.conn, instance_id, task_id, self.state)
        return time.perf_counter() - t0

    def close(self) -> None:
        self.conn.execute(f"DROP SCHEMA {self.schema} CASCADE")
        self.conn.commit()
        self.conn.close()


def _one_move(conn: Any, instance_id: uuid.UUID, task_id: uuid.UUID, state: str) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT state FROM instance WHERE id = (SELECT instance_id FROM task WHERE id = %s) FOR UPDATE",
                    (task_id,))
        cur.fetchone()
        cur.execute("UPDATE instance SET state = %s, moves = moves + 1 WHERE id = %s", (state[::-1], instance_id))
        cur.execute("UPDATE task SET status = 'COMPLETED' WHERE id = %s", (task_id,))
        cur.execute("INSERT INTO task VALUES (%s, %s, 'READY')", (uuid.uuid4(), instance_id))
        cur.execute("INSERT INTO audit (instance_id) VALUES (%s)", (instance_id,))
    conn.commit()
