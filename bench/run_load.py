"""The two-step approval load of `make bench` (bench/load.py) against a running `make run`:

    PERFFLOW_INSTANCE=instance python -m bench.run_load http://127.0.0.1:5000 [clients] [seconds]

Deploys the example model and adds 2·clients bench users (bf*/bh*) to that server's database
(found from the embedded PostgreSQL under PERFFLOW_INSTANCE, or DATABASE_URL), then prints
completed instances/s and complete latency."""
from __future__ import annotations

import json
import os
import sys

from bench.__main__ import FILL, UNITS, _tokens
from bench.load import run
from web import config


def _database_url() -> str:
    if url := os.environ.get("DATABASE_URL"):
        return url
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(config.INSTANCE_DIR / "pgdata")
    if info is None:
        raise SystemExit("no running embedded PostgreSQL under PERFFLOW_INSTANCE: start `make run` first")
    return info.get_uri(database="perfflow")


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000"
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 20
    os.environ["DATABASE_URL"] = _database_url()
    os.environ.setdefault("REDIS_URL", "redis://unused")
    from sqlalchemy import select

    from engine.base.db import db
    from engine.base.identity import User
    from tests.factories import deploy_example, make_user
    from web import create_app

    with create_app().app_context():
        deploy_example()
        for i in range(clients):
            unit = UNITS[i % len(UNITS)][0]
            for prefix, role in (("bf", "UNIT_FILER"), ("bh", "UNIT_HEAD")):
                if not db.session.scalar(select(User).where(User.username == f"{prefix}{i}")):
                    make_user(f"{prefix}{i}", (role, "UNIT", unit))
        db.session.commit()
    tokens = _tokens(base, [f"{p}{i}" for i in range(clients) for p in ("bf", "bh")])
    pairs = [(tokens[f"bf{i}"], tokens[f"bh{i}"]) for i in range(clients)]
    run(base, pairs[:1], FILL, 3)  # warm-up
    print(json.dumps(run(base, pairs, FILL, seconds), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
