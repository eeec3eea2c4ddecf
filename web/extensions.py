"""Flask extensions: login sessions, CSRF, migrations, JSON that knows Decimal and dates."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, session
from flask.json.provider import DefaultJSONProvider
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from sqlalchemy.orm import joinedload

from engine.base import convert
from engine.base.db import db
from engine.base.identity import User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
csrf = CSRFProtect()
migrate = Migrate()


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        # Money and scores stay exact: Decimal goes out as a string (requests accept both).
        try:
            return convert.default(o)
        except TypeError:
            return DefaultJSONProvider.default(o)


SESSION_NONCE = "_nonce"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user while the session carries their current nonce (logout replaces it)."""
    try:
        user = db.session.get(User, uuid.UUID(user_id), options=[joinedload(User.roles)])
    except ValueError:
        return None
    if user is None or not user.active or session.get(SESSION_NONCE) != user.session_nonce:
        return None
    return user


def init_extensions(app: Flask) -> None:
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    from web.inflight import init_inflight
    from web.throttle import init_throttle

    init_throttle(app)
    init_inflight(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", _migrations_dir())))


def _migrations_dir() -> str:
    from web.config import ROOT

    return str(ROOT / "migrations")
