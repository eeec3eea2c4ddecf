"""A pooled connection is checked by the BEGIN of the transaction it is taken out for.

`pool_pre_ping` sends `SELECT 1` on every checkout and psycopg then sends `BEGIN` before the
first statement: two round trips before any work. Here the checkout sends the `BEGIN` itself
(libpq's transaction status then tells psycopg not to send its own): one round trip, and a
connection PostgreSQL dropped (a restart, a terminated backend) fails it exactly as it would
fail the ping — SQLAlchemy then discards the pool's older connections and retries the checkout
on a new one (a `DisconnectionError` raised by a checkout listener, its documented pattern).
Every checkout in PerfFlow is for a transaction (no AUTOCOMMIT or per-connection isolation
level is used); a connection set up otherwise is pinged as before.
"""
from __future__ import annotations

from typing import Any

from psycopg import pq
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine


def check_with_begin(engine: Engine) -> None:
    """Check `engine`'s pooled connections by the BEGIN above (instead of `pool_pre_ping`; idempotent)."""
    if not event.contains(engine, "checkout", _begin_on_checkout):
        event.listen(engine, "checkout", _begin_on_checkout)


def _begin_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    pgconn = dbapi_connection.pgconn
    plain = (not dbapi_connection.autocommit and dbapi_connection.isolation_level is None
             and dbapi_connection.read_only is None and dbapi_connection.deferrable is None
             and pgconn.transaction_status == pq.TransactionStatus.IDLE)
    try:
        result = pgconn.exec_(b"BEGIN" if plain else b"SELECT 1")
    except Exception as err:  # noqa: BLE001  (libpq could not send or read: the connection is gone)
        raise exc.InvalidatePoolError(str(err)) from err
    if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        message = (result.error_message or b"").decode(errors="replace").strip()
        raise exc.InvalidatePoolError(message or "BEGIN on checkout failed")
