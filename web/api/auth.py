"""Bearer tokens for machine clients: signed, expiring, tied to an active user."""
from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app, g, jsonify, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from engine.base.db import db
from engine.base.identity import User, authenticate
from web import inflight
from web.api import api
from web.api import schemas as out
from web.api.spec import fails
from web.throttle import throttled


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="perfflow-api-token")


def issue_token(user: User) -> str:
    """A token carrying the user's session nonce: logout (which replaces it) revokes it."""
    return _signer().dumps({"uid": str(user.id), "n": user.current_nonce()})


# The user with their roles in one query, built once: every API request runs it.
_USER_WITH_ROLES = select(User).where(User.id == bindparam("id")).options(joinedload(User.roles))


def user_from_token(token: str) -> User | None:
    try:
        payload = _signer().loads(token, max_age=current_app.config["TOKEN_MAX_AGE"])
        user = db.session.scalars(_USER_WITH_ROLES, {"id": uuid.UUID(payload["uid"])}).unique().first()
    except (BadSignature, SignatureExpired, KeyError, ValueError, TypeError, AttributeError):
        return None
    if user is None or not user.active or payload.get("n") != user.session_nonce:
        return None
    return user


def require_token(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        user = user_from_token(header[7:].strip()) if header.startswith("Bearer ") else None
        if user is None:
            return jsonify(error="unauthorized", message="需要有效的访问令牌（Authorization: Bearer …）"), 401
        g.api_user = user
        if not inflight.enter(user.id, inflight.limit_of(current_app)):
            return inflight.refused()
        return fn(*args, **kwargs)

    return fails(401, 429)(wrapper)


@api.post("/auth/token")
@api.arguments(out.TokenInput)
@api.response(200, out.Token)
@api.doc(security=[])
@fails(401, 422, 429)
@throttled
def token(body: dict[str, Any]):  # noqa: ANN201
    """用户名密码换取访问令牌（12 小时有效；失败过多时 429，见 Retry-After）"""
    user = authenticate(body["username"], body["password"])
    if user is None:
        return jsonify(error="unauthorized", message="用户名或密码错误"), 401
    reply = {"token": issue_token(user), "username": user.username, "name": user.name}
    db.session.commit()  # the nonce, made on the first sign-in
    return reply
