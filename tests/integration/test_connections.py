"""A pooled connection is checked by its transaction's BEGIN (engine.base.connections): a
connection PostgreSQL dropped is replaced at checkout, as `pool_pre_ping` did, and the BEGIN
sent at checkout is the transaction the session's statements run in."""
from __future__ import annotations

import psycopg
from sqlalchemy import func, select, text

from engine.base.models import AuditEvent


def _backend_pid(db) -> int:  # noqa: ANN001
    return db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_the_server_dropped_is_replaced_at_checkout(db, database_url):
    db.session.commit()
    db.engine.dispose()  # the pool now holds exactly the connection the next lines take out
    dropped = _backend_pid(db)
    db.session.commit()  # back in the pool, idle
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (dropped,)).fetchone()[0] is True
    # The next request's first statement runs on a new connection: no error reaches it.
    assert _backend_pid(db) != dropped
    db.session.commit()


def test_the_checkout_begin_is_the_sessions_transaction(db):
    db.session.commit()
    first = db.session.execute(text("SELECT txid_current()")).scalar_one()
    assert db.session.execute(text("SELECT txid_current()")).scalar_one() == first
    db.session.add(AuditEvent(actor="system", action="probe"))
    db.session.flush()
    db.session.rollback()  # the BEGIN sent at checkout opened it: the rollback undoes the row
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    later = db.session.execute(text("SELECT txid_current()")).scalar_one()
    db.session.commit()
    assert later != first
