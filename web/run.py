"""`make run`: embedded PostgreSQL and Redis when no URLs are given, migrate, deploy the shipped
models, load the demo data, then serve as production does — gunicorn with several workers on
127.0.0.1:$PORT — with an RQ worker and the scheduler beside it, all supervised (web.supervisor).
Ctrl-C or SIGTERM stops them, then the embedded Redis and PostgreSQL, within 10 s.
One `make run` per instance folder at a time (a lock in the folder; a killed run releases it)."""
from __future__ import annotations

import fcntl
import os
import signal
import sys
import threading
from typing import IO

from web import config

STOP_GRACE_SECONDS = 6.0  # the app's processes; the embedded servers get the rest of the 10 s


def web_workers() -> int:
    return int(os.environ.get("WEB_WORKERS") or min(5, 2 * (os.cpu_count() or 1) + 1))


def programs(port: int) -> list:
    from web.supervisor import Program

    python = sys.executable
    gunicorn = [python, "-m", "gunicorn", "--workers", str(web_workers()), "--bind", f"127.0.0.1:{port}",
                "--graceful-timeout", "4", "--timeout", "60", "--no-control-socket", "wsgi:app"]
    return [Program("web", gunicorn), Program("worker", [python, "-m", "web.worker"]),
            Program("scheduler", [python, "-m", "web.scheduler"])]


def _lock(instance_dir: os.PathLike) -> IO[str]:
    os.makedirs(instance_dir, exist_ok=True)
    handle = open(os.path.join(instance_dir, "run.lock"), "w")  # noqa: SIM115  (held for the whole run)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"另一个 make run 正在使用 {instance_dir}（先停止它，或设置 PERFFLOW_INSTANCE）") from None
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _prepare() -> None:
    from engine.base.db import db
    from web import create_app
    from web.setup import (
        create_schema,
        demo_clock_shift,
        deploy_shipped_models,
        load_demo_data,
        load_holidays,
    )

    app = create_app()
    with app.app_context():
        create_schema()
        for line in deploy_shipped_models():
            print(f"已部署 {line}")
        print(f"工作日历：{load_holidays()}")
        history = os.environ.get("DEMO_HISTORY", "1") != "0"
        print(f"示例数据：{load_demo_data(os.environ.get('DEMO_PASSWORD', 'perfflow'), history)}")
        if (shift := demo_clock_shift()) is not None:  # the programs below live in the demo world's time
            os.environ["PERFFLOW_CLOCK_SHIFT"] = str(shift)
        db.engine.dispose()  # the supervisor keeps no connection


def main() -> None:
    from web.embedded import EmbeddedServers
    from web.supervisor import Supervisor

    lock = _lock(config.INSTANCE_DIR)
    stop = threading.Event()
    servers = EmbeddedServers(config.INSTANCE_DIR)

    def on_signal(signum: int, _frame: object) -> None:
        if not supervising:
            raise KeyboardInterrupt  # still starting up: unwind to the finally below
        stop.set()

    supervising = False
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    supervisor = None
    try:
        servers.start()
        _prepare()
        port = int(os.environ.get("PORT", "5000"))
        supervisor = Supervisor(programs(port), config.ROOT, os.environ.copy())
        supervisor.start_all()
        supervising = True
        print(f"PerfFlow 绩效流 已启动：http://127.0.0.1:{port}/  （示例用户密码见 README；Ctrl-C 停止）", flush=True)
        supervisor.run_until(stop)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if supervisor:
            supervisor.stop_all(STOP_GRACE_SECONDS)
        servers.stop()
        lock.close()
        print("PerfFlow 已停止", flush=True)


if __name__ == "__main__":
    main()
