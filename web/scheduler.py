"""The scheduler: every TIMER_POLL_SECONDS, fire due timers, run the periodic scans and sweep the
outbox (engine.time.clock.tick). Several may run at once; the database keeps them from doubling work.
Production: `python -m web.scheduler`; `make run` starts one beside the worker."""
from __future__ import annotations

import logging
import signal
import threading
import time

log = logging.getLogger("perfflow.scheduler")


def main() -> None:
    from engine.base.db import db
    from engine.time import clock
    from web import create_app

    app = create_app()
    # SIGTERM or Ctrl-C ends the wait between ticks at once (a plain sleep would run on for up to
    # TIMER_POLL_SECONDS); a tick under way finishes first.
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    interval = float(app.config["TIMER_POLL_SECONDS"])
    with app.app_context():
        while not stopping.is_set():
            started = time.monotonic()
            try:
                clock.tick()
            except Exception:  # noqa: BLE001  (the database or Redis is away: try again next tick)
                db.session.rollback()
                log.exception("tick failed")
            stopping.wait(max(0.0, interval - (time.monotonic() - started)))


if __name__ == "__main__":
    main()
