"""The stack floor: what one task completion costs before any PerfFlow code runs — an HTTP
round trip to a bare Flask endpoint under the same gunicorn, and the smallest durable move
transaction on the same PostgreSQL (lock the instance, write its state, close one task, open
the next, one audit row, commit). Reported beside the engine floor so the app/floor ratio can
be read against what the stack alone costs."""
from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg
import requests

from bench import env
from bench.stats import summary_ms


def http_round_trip(workers: int, reps: int = 500) -> dict[str, float]:
    server, base = env.gunicorn(workers, app="bench.echo_app:app", health="/echo")
    try:
        session, times = requests.Session(), []
        headers = {"Authorization": "Bearer " + "x" * 120}
        for _ in range(reps + 50):
            t0 = time.perf_counter()
            response = session.post(f"{base}/echo", json={"data": {"verdict": "APPROVE"}}, headers=headers)
            times.append(time.perf_counter() - t0)
            response.raise_for_status()
        return summary_ms(times[50:])
    finally:
        server.terminate()


def move_transaction(db_url: str, state_bytes: int, reps: int = 300) -> dict[str, float]:
    url = db_url.replace("postgresql+psycopg://", "postgresql://")
    schema = f"stack_floor_{uuid.uuid4().hex[:8]}"
    state = "x" * state_bytes
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        conn.execute("CREATE TABLE instance (id uuid PRIMARY KEY, state text, moves int)")
        conn.execute("CREATE TABLE task (id uuid PRIMARY KEY, instance_id uuid, status text)")
        conn.execute("CREATE TABLE audit (id bigserial PRIMARY KEY, instance_id uuid, at timestamptz DEFAULT now())")
        pairs = [(uuid.uuid4(), uuid.uuid4()) for _ in range(reps)]
        with conn.cursor() as cur:
            for instance_id, task_id in pairs:
                cur.execute("INSERT INTO instance VALUES (%s, %s, 0)", (instance_id, state))
                cur.execute("INSERT INTO task VALUES (%s, %s, 'READY')", (task_id, instance_id))
        conn.commit()
        times = []
        for instance_id, task_id in pairs:
            t0 = time.perf_counter()
            _one_move(conn, instance_id, task_id, state)
            times.append(time.perf_counter() - t0)
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.commit()
    return summary_ms(times)


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
