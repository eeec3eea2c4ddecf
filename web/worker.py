"""RQ workers that run outbox jobs inside the app context, on the queues in order of priority
(`default`, `timers`, `notify`). Production runs, against REDIS_URL, `python -m web.worker`
(WORKER_CLASS=simple by default, or fork) or RQ's own command with one of these classes:

    rq worker -w web.worker.AppSimpleWorker --serializer rq.serializers.JSONSerializer default timers notify

Two kinds, measured in bench/ (docs/design.md "Time and queue"):
- `AppSimpleWorker` (default) runs each job in the worker process: caches stay warm, a job costs
  what it costs in-process. Under a supervisor, WORKER_MAX_JOBS recycles it to bound any leak.
- `AppWorker` forks a work horse per job, as RQ does by default: a job cannot harm the worker,
  but every job starts cold (new connection, empty statement caches), about ten times slower.
Either way a killed worker loses nothing: the job's row stays PENDING and unlocked, and the
sweeper runs it again. That is also what makes a prompt stop safe: on SIGTERM or Ctrl-C the worker
finishes the job under way if it can within WORKER_STOP_GRACE_SECONDS (5), else abandons it."""
from __future__ import annotations

import gc
import os
import threading
from typing import Any

from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer


class _AppContext:
    """Jobs see the Flask app (config, database) of `create_app()`."""

    def _push_app(self, kwargs: dict[str, Any]) -> None:
        from sqlalchemy.orm import configure_mappers

        from web import create_app

        self.app = create_app()
        self.app.app_context().push()  # forked work horses inherit it
        configure_mappers()  # once here, not in every horse
        kwargs.setdefault("serializer", JSONSerializer)


class _PromptStop:
    """RQ's warm shutdown waits for the current job however long it takes; we give it a grace period
    and then leave: the process exits, PostgreSQL rolls the job's transaction back with the connection,
    and the outbox row, PENDING and unlocked, is run again by the sweeper."""

    def request_stop(self, signum: int, frame: Any) -> None:
        if not getattr(self, "_abandon_timer", None):
            grace = float(os.environ.get("WORKER_STOP_GRACE_SECONDS", "5"))
            self._abandon_timer = threading.Timer(grace, self._abandon)
            self._abandon_timer.daemon = True
            self._abandon_timer.start()
        super().request_stop(signum, frame)  # type: ignore[misc]

    def _abandon(self) -> None:
        self.log.warning("Worker %s: job still running after the grace period, abandoning it", self.name)
        if getattr(self, "horse_pid", 0):
            self.kill_horse()
        os._exit(1)


class AppWorker(_PromptStop, _AppContext, Worker):
    """RQ's forking worker: one work horse per job."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._push_app(kwargs)
        super().__init__(*args, **kwargs)
        gc.freeze()  # what is loaded now stays shared with every horse (no copy on write)


class AppSimpleWorker(_PromptStop, _AppContext, SimpleWorker):
    """RQ's in-process worker: no fork per job."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._push_app(kwargs)
        super().__init__(*args, **kwargs)


WORKER_CLASSES = {"simple": AppSimpleWorker, "fork": AppWorker}


def main() -> None:
    from redis import Redis

    from engine.dispatch import queue

    url = os.environ.get("REDIS_URL", "")
    if not url:
        raise SystemExit("REDIS_URL is not set: use `make run`, which starts an embedded Redis")
    kind = os.environ.get("WORKER_CLASS", "simple")
    if kind not in WORKER_CLASSES:
        raise SystemExit(f"WORKER_CLASS must be one of {', '.join(WORKER_CLASSES)}")
    # Abandoned jobs are found by the sweeper (an unlocked outbox row); RQ's own clean-up only
    # needs to run often enough to keep its registries small.
    worker = WORKER_CLASSES[kind](list(queue.QUEUES), connection=Redis.from_url(url),
                                  maintenance_interval=int(os.environ.get("WORKER_MAINTENANCE_SECONDS", "60")))
    max_jobs = os.environ.get("WORKER_MAX_JOBS")  # recycle under a supervisor that restarts it
    worker.work(burst=os.environ.get("WORKER_BURST") == "1", max_jobs=int(max_jobs) if max_jobs else None)


if __name__ == "__main__":
    main()
