"""The Flask app factory."""
from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask

from engine.base import config as engine_config
from engine.base import connections
from engine.base import now as engine_now
from engine.base.db import db
from web import config


def create_app(**overrides: object) -> Flask:
    app = Flask(__name__, instance_path=str(config.INSTANCE_DIR))
    app.config.update(config.from_env(**overrides))
    engine_config.configure(engine_config.EngineConfig.from_mapping(app.config))
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        raise RuntimeError("DATABASE_URL is not set: use `make run`, which starts an embedded PostgreSQL")
    db.init_app(app)
    with app.app_context():
        connections.check_with_begin(db.engine)
    if shift := os.environ.get("PERFFLOW_CLOCK_SHIFT"):
        # the demo world's time, kept by `make run` after the demo history (docs/design.md "Demo history")
        engine_now.set_shift(timedelta(seconds=float(shift)))
    import budget  # noqa: F401  (registers the domain's models, handlers and listeners)
    import engine.jobs  # noqa: F401  (registers the engine's background jobs)
    from web.extensions import init_extensions

    init_extensions(app)
    from web.security import init_security

    init_security(app)
    from web.blueprints import register_blueprints

    register_blueprints(app)
    from web.cli import register_cli

    register_cli(app)
    return app
