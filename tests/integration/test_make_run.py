"""`make run` (python -m web.run) as real processes: it comes up healthy, a SIGTERM to its process
group ends every process of it and the embedded servers within 10 s, and it comes up again after a
clean stop and after a kill -9 of everything (stale pid files and sockets). The RQ worker leaves a
running job within seconds of SIGTERM. Bounded waits; no timing beyond the stated limits."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from tests.crash_support import Processes, RedisServer, free_port, subprocess_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pids: set[int], limit: float) -> set[int]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        left = {pid for pid in pids if not _gone(pid)}
        if not left:
            return left
        time.sleep(0.1)
    return {pid for pid in pids if not _gone(pid)}


class MakeRun:
    def __init__(self, tmp: Path) -> None:
        self.instance = tmp / "instance"
        self.port = free_port()
        self.logs = tmp
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
        self.env.update(PERFFLOW_INSTANCE=str(self.instance), PORT=str(self.port), WEB_WORKERS="2",
                        PYTHONUNBUFFERED="1")
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    def start(self, limit: float = 240) -> dict:
        self.runs += 1
        log = (self.logs / f"run-{self.runs}.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "web.run"], cwd=ROOT, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + limit
        body: dict = {}
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"web.run exited ({self.proc.returncode}):\n{self.output()}"
            try:
                body = requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).json()
                if body == {"status": "ok", "db": "ok", "queue": "ok"}:
                    return body
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        pytest.fail(f"not healthy within {limit} s (last {body}):\n{self.output()}")

    def output(self) -> str:
        return (self.logs / f"run-{self.runs}.log").read_text(errors="replace")[-4000:]

    def server_pid(self, pidfile: str) -> int:
        return int((self.instance / pidfile).read_text().split()[0])

    def worker_pid(self) -> int:
        """The live `python -m web.worker` child of web.run (0 when there is none)."""
        for child in psutil.Process(self.proc.pid).children():
            try:
                if "web.worker" in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                    return child.pid
            except psutil.NoSuchProcess:
                continue
        return 0

    def every_pid(self) -> set[int]:
        """web.run, everything under it (gunicorn and its workers, the worker, the scheduler), the
        embedded redis-server, the postmaster and its backends."""
        pids = {self.proc.pid}
        for root in (self.proc.pid, self.server_pid("pgdata/postmaster.pid")):
            pids |= {root, *(p.pid for p in psutil.Process(root).children(recursive=True))}
        pids.add(self.server_pid("redis/redis.pid"))
        return pids

    def kill_everything(self) -> None:
        for pid in self.every_pid():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_make_run_stops_cleanly_and_recovers_after_kill_9(tmp_path: Path) -> None:
    run = MakeRun(tmp_path)
    try:
        run.start()
        first = run.worker_pid()
        os.kill(first, signal.SIGKILL)  # the supervisor starts another
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and run.worker_pid() in (first, 0):
            time.sleep(0.2)
        assert run.worker_pid() not in (first, 0), run.output()
        pids = run.every_pid()
        redis_pid = run.server_pid("redis/redis.pid")
        assert len(pids) >= 7, pids  # web.run, gunicorn + 2 workers, worker, scheduler, redis, postgres
        os.killpg(run.proc.pid, signal.SIGTERM)
        left = _wait_gone(pids, 10)
        assert not left, f"still running 10 s after SIGTERM: {left}\n{run.output()}"
        assert _gone(redis_pid)
        assert run.proc.wait(1) == 0

        run.start()  # after a clean stop
        pids = run.every_pid()
        run.kill_everything()
        assert not _wait_gone(pids, 10)
        assert (run.instance / "pgdata" / "postmaster.pid").exists()  # what a kill -9 leaves behind
        assert (run.instance / "redis" / "redis.pid").exists()

        run.start()  # after kill -9 of every process, embedded servers included
        pids = run.every_pid()
        os.killpg(run.proc.pid, signal.SIGINT)  # Ctrl-C
        assert not _wait_gone(pids, 10), run.output()
    finally:
        if run.proc and run.proc.poll() is None:
            run.kill_everything()


def test_a_second_make_run_on_the_same_instance_folder_is_refused(tmp_path: Path) -> None:
    import fcntl

    instance = tmp_path / "instance"
    instance.mkdir()
    with (instance / "run.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        env = {**os.environ, "PERFFLOW_INSTANCE": str(instance)}
        done = subprocess.run([sys.executable, "-m", "web.run"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
    assert done.returncode != 0
    assert "另一个 make run" in done.stderr


def _enqueue_sleep(redis_url: str, seconds: int) -> None:
    from redis import Redis
    from rq import Queue
    from rq.serializers import JSONSerializer

    Queue("default", connection=Redis.from_url(redis_url), serializer=JSONSerializer).enqueue(
        "time.sleep", seconds, job_timeout=600)


@pytest.mark.parametrize("kind", ["simple", "fork"])
def test_worker_leaves_a_running_job_promptly_on_sigterm(tmp_path: Path, database_url: str, kind: str) -> None:
    redis = RedisServer(tmp_path / "redis").start()
    processes = Processes(subprocess_env(database_url, redis.url, WORKER_STOP_GRACE_SECONDS="3"), tmp_path / "logs")
    try:
        _enqueue_sleep(redis.url, 120)
        worker = processes.worker(kind=kind)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not redis.client().zcard("rq:wip:default"):
            time.sleep(0.2)
        assert redis.client().zcard("rq:wip:default"), processes.output()  # the job is running
        tree = {worker.pid, *(p.pid for p in psutil.Process(worker.pid).children(recursive=True))}
        worker.send_signal(signal.SIGTERM)
        assert not _wait_gone(tree, 10), processes.output()
    finally:
        processes.close()
        redis.stop()


def test_idle_worker_and_scheduler_stop_at_once_on_sigterm(tmp_path: Path, database_url: str) -> None:
    redis = RedisServer(tmp_path / "redis").start()
    processes = Processes(subprocess_env(database_url, redis.url, TIMER_POLL_SECONDS="30"), tmp_path / "logs")
    try:
        worker, scheduler = processes.worker(), processes.scheduler()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not redis.client().keys("rq:worker:*"):
            time.sleep(0.2)
        time.sleep(1)  # the scheduler is past its first tick, waiting 30 s for the next
        for proc in (worker, scheduler):
            proc.send_signal(signal.SIGTERM)
        assert not _wait_gone({worker.pid, scheduler.pid}, 5), processes.output()
    finally:
        processes.close()
        redis.stop()
