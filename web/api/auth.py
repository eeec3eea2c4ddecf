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
from engine.base.identity import User
from web.api import api
from web.api import schemas as out
from web.api.spec import fails


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="perfflow-api-token")


def issue_token(user: User) -> str:
    return _signer().dumps({"uid": str(user.id)})


# The user with their roles in one query, built once: every API request runs it.
_USER_WITH_ROLES = select(User).where(User.id == bindparam("id")).options(joinedload(User.roles))


def user_from_token(token: str) -> User | None:
    try:
        payload = _signer().loads(token, max_age=current_app.config["TOKEN_MAX_AGE"])
        user = db.session.scalars(_USER_WITH_ROLES, {"id": uuid.UUID(payload["uid"])}).unique().first()
    except (BadSignature, SignatureExpired, KeyError, ValueError):
        return None
    return user if user and user.active else None


def require_token(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        user = user_from_token(header[7:].strip()) if header.startswith("Bearer ") else None
        if user is None:
            return jsonify(error="unauthorized", message="需要有效的访问令牌（Authorization: Bearer …）"), 401
        g.api_user = user
        return fn(*args, **kwargs)

    return fails(401)(wrapper)


@api.post("/auth/token")
@api.arguments(out.TokenInput)
@api.response(200, out.Token)
@api.doc(security=[])
@fails(401, 422)
def token(body: dict[str, Any]):  # noqa: ANN201
    """用户名密码换取访问令牌（12 小时有效）"""
    user = db.session.scalar(select(User).where(User.username == body["username"]))
    if user is None or not user.active or not user.check_password(body["password"]):
        return jsonify(error="unauthorized", message="用户名或密码错误"), 401
    return {"token": issue_token(user), "username": user.username, "name": user.name}
