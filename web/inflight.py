"""Writes in flight per person: one account may have at most USER_WRITES_IN_FLIGHT (default 2)
changing requests (POST, PUT, PATCH, DELETE) being served at once; the next one is answered 429 at
once, in Chinese, with Retry-After. `make run` serves through a few sync gunicorn workers, so
without this one account could occupy all of them (16 parallel starts of a model whose script
loops each end within their 2 s budget, but /healthz and everyone else would wait behind them).

The count lives in Redis (shared by every worker), one key per user with a TTL so a killed worker's
slot comes back by itself; without Redis the gate stands open rather than locking people out.
Per request: one script call to take the slot, one DECR to give it back."""
from __future__ import annotations

import contextlib
import hashlib
import uuid
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from redis.exceptions import NoScriptError

from engine.dispatch.queue import redis_connection

DEFAULT_LIMIT = 2
SLOT_TTL_SECONDS = 120  # longer than any request may run (gunicorn's --timeout is 60)
MESSAGE = "您有其他操作正在处理，请等它完成后再提交"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _key(user_id: uuid.UUID | str) -> str:
    return f"perfflow:inflight:{user_id}"


# Take a slot, renew its TTL and give it back at once when over the limit: one round trip, one
# command (EVALSHA) to send and one integer to read, whether the slot is granted or refused.
_TAKE = """
local held = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
if held > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return held
"""
_TAKE_SHA = hashlib.sha1(_TAKE.encode()).hexdigest()


def _take(connection: Any, key: str, limit: int) -> bool:
    try:
        return bool(connection.evalsha(_TAKE_SHA, 1, key, SLOT_TTL_SECONDS, limit))
    except NoScriptError:  # the first call on this Redis (or after it restarted): send the script itself
        return bool(connection.eval(_TAKE, 1, key, SLOT_TTL_SECONDS, limit))


def enter(user_id: uuid.UUID | str, limit: int) -> bool:
    """Take a slot for this request; False when the person already holds `limit` of them."""
    if limit <= 0 or request.method not in WRITES or "inflight_key" in g:
        return True
    connection = redis_connection()
    if connection is None:
        return True
    key = _key(user_id)
    try:
        if not _take(connection, key, limit):
            return False
    except Exception:  # noqa: BLE001  (Redis down: serve, unlimited, as sign-in throttling does)
        return True
    g.inflight_key = key
    return True


def leave(_: BaseException | None = None) -> None:
    key = g.pop("inflight_key", None)
    connection = redis_connection() if key else None
    if connection is not None:
        with contextlib.suppress(Exception):  # Redis gone: the TTL frees the slot
            connection.decr(key)


def refused() -> Response | tuple[str, int, dict[str, str]]:
    if request.path.startswith("/api/"):
        response = jsonify(error="too_many_requests", message=MESSAGE)
        response.status_code = 429
        response.headers["Retry-After"] = "2"
        return response
    page = render_template("error.html", title="操作过于频繁", message=MESSAGE + "。", code=429, back=True)
    return page, 429, {"Retry-After": "2"}


def limit_of(app: Flask) -> int:
    return int(app.config.get("USER_WRITES_IN_FLIGHT", DEFAULT_LIMIT))


def init_inflight(app: Flask) -> None:
    """Pages: the signed-in person's writes are gated before the view runs (the API gates in
    `require_token`, where the caller is known); every slot is given back when the request ends."""
    from flask_login import current_user

    @app.before_request
    def _gate_page_writes():  # noqa: ANN202
        if request.path.startswith("/api/") or request.method not in WRITES:
            return None
        if current_user.is_authenticated and not enter(current_user.id, limit_of(app)):
            return refused()
        return None

    app.teardown_request(leave)
