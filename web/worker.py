"""An RQ worker that runs outbox jobs inside the app context (production: `python -m web.worker`,
as many as needed, against REDIS_URL). Each job runs in a forked work horse, as RQ does."""
from __future__ import annotations

import os


def main() -> None:
    from rq import Worker
    from rq.serializers import JSONSerializer

    from engine import queue
    from web import create_app

    app = create_app()
    with app.app_context():
        connection = queue.redis_connection()
        queues = [queue.rq_queue(name, connection) for name in queue.QUEUES]
        # Abandoned jobs are found by the sweeper (an unlocked outbox row); RQ's own clean-up
        # only needs to run often enough to keep its registries small.
        worker = Worker(queues, connection=connection, serializer=JSONSerializer,
                        maintenance_interval=int(os.environ.get("WORKER_MAINTENANCE_SECONDS", "60")))
        worker.work(burst=os.environ.get("WORKER_BURST") == "1")


if __name__ == "__main__":
    main()
