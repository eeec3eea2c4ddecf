"""Configuration from the environment (README: DATABASE_URL, REDIS_URL, SECRET_KEY, PORT)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("PERFFLOW_INSTANCE", ROOT / "instance"))


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # A stable per-checkout key so sessions survive restarts of `make run`; production sets SECRET_KEY.
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def from_env(**overrides: object) -> dict[str, object]:
    cfg: dict[str, object] = {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", ""),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "WORKFLOWS_DIR": str(ROOT / "workflows"),
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        "ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024,
        "MODEL_FILE_MAX_BYTES": 2 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "TOKEN_MAX_AGE": 12 * 3600,
        "JSON_AS_ASCII": False,
    }
    cfg.update(overrides)
    uri = str(cfg["SQLALCHEMY_DATABASE_URI"])
    if uri.startswith("postgresql://"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgresql://"):]
    return cfg
