"""An RQ worker that runs jobs inside the app context (production: `python -m web.worker`)."""
from __future__ import annotations

from redis import Redis
from rq import Queue, Worker
from rq.serializers import JSONSerializer


def main() -> None:
    from web import create_app

    app = create_app()
    connection = Redis.from_url(app.config["REDIS_URL"])
    with app.app_context():
        queues = [Queue(name, connection=connection, serializer=JSONSerializer) for name in ("default",)]
        Worker(queues, connection=connection, serializer=JSONSerializer).work(with_scheduler=False)


if __name__ == "__main__":
    main()
