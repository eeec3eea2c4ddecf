"""The scheduler: every TIMER_POLL_SECONDS, fire due timers, run the periodic scans and sweep the
outbox (engine.time.clock.tick). Several may run at once; the database keeps them from doubling work.
Production: `python -m web.scheduler`; `make run` starts one beside the worker."""
from __future__ import annotations

import logging
import signal
import time

log = logging.getLogger("perfflow.scheduler")


def main() -> None:
    from engine.base.db import db
    from engine.time import clock
    from web import create_app

    app = create_app()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    interval = float(app.config["TIMER_POLL_SECONDS"])
    with app.app_context():
        while not stopping:
            started = time.monotonic()
            try:
                clock.tick()
            except Exception:  # noqa: BLE001  (the database or Redis is away: try again next tick)
                db.session.rollback()
                log.exception("tick failed")
            time.sleep(max(0.0, interval - (time.monotonic() - started)))


if __name__ == "__main__":
    main()
