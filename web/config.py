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


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def from_env(**overrides: object) -> dict[str, object]:
    cfg: dict[str, object] = {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", ""),
        # No pool_pre_ping: a pooled connection is checked by its BEGIN (engine.base.connections).
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "WORKFLOWS_DIR": str(ROOT / "workflows"),
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        "ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024,
        "MODEL_FILE_MAX_BYTES": 2 * 1024 * 1024,
        # One task's data, measured as JSON: a bigger submission, script or service result is refused.
        "TASK_DATA_MAX_BYTES": int(os.environ.get("TASK_DATA_MAX_BYTES", str(1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # HTTPS (web.security): Secure cookies when SESSION_COOKIE_SECURE=1 or PREFERRED_URL_SCHEME=https;
        # PROXY_FIX=1 behind one TLS-terminating reverse proxy (X-Forwarded-Proto/Host/For).
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "PROXY_FIX": _flag("PROXY_FIX"),
        "WTF_CSRF_TIME_LIMIT": None,
        "TOKEN_MAX_AGE": 12 * 3600,
        # Changing requests one person may have in flight at once (web.inflight); 0 turns the gate off.
        "USER_WRITES_IN_FLIGHT": int(os.environ.get("USER_WRITES_IN_FLIGHT", "2")),
        "JSON_AS_ASCII": False,
        # Whose holiday calendar counts working days (engine.time.calendar): 示例市本级 by default.
        "JURISDICTION": os.environ.get("JURISDICTION", "SAMPLE-CITY"),
        # Time and queue (engine.dispatch.queue, engine.time.clock): how often the scheduler looks, how long a
        # pushed job may sit before the sweeper checks on it, retry backoff, message lifetime.
        "TIMER_POLL_SECONDS": float(os.environ.get("TIMER_POLL_SECONDS", "5")),
        "SWEEP_GRACE_SECONDS": float(os.environ.get("SWEEP_GRACE_SECONDS", "30")),
        "JOB_RETRY_BASE_SECONDS": float(os.environ.get("JOB_RETRY_BASE_SECONDS", "10")),
        "JOB_RETRY_MAX_SECONDS": float(os.environ.get("JOB_RETRY_MAX_SECONDS", "3600")),
        "MESSAGE_TTL_DAYS": float(os.environ.get("MESSAGE_TTL_DAYS", "30")),
        # Reminders and escalation (engine.work.reminders, views.md §7.3): days before the due day,
        # the hour (Asia/Shanghai) every occasion fires, overdue repeats, escalation (calendar days).
        "REMINDER_DAYS_BEFORE": [int(d) for d in os.environ.get("REMINDER_DAYS_BEFORE", "7,3,1").split(",")
                                 if d.strip()],
        "OVERDUE_REPEAT_DAYS": int(os.environ.get("OVERDUE_REPEAT_DAYS", "3")),
        "ESCALATE_HEAD_DAYS": int(os.environ.get("ESCALATE_HEAD_DAYS", "3")),
        "ESCALATE_FIN_DAYS": int(os.environ.get("ESCALATE_FIN_DAYS", "7")),
        "DUE_HOUR": int(os.environ.get("DUE_HOUR", "9")),
        # Notification channels (engine.dispatch.channels). E-mail is on when SMTP_HOST is set; robot
        # webhooks (企业微信/钉钉) unless WEBHOOK_ENABLED=0, only to the hosts listed in
        # WEBHOOK_ALLOWED_HOSTS (comma-separated; empty: none) and only to public addresses, unless a
        # network is listed in WEBHOOK_ALLOWED_NETWORKS (CIDRs). APP_BASE_URL puts a link into the messages.
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
        "SMTP_SSL": os.environ.get("SMTP_SSL", "").lower() in ("1", "true", "yes"),
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", "10")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "PerfFlow <perfflow@localhost>"),
        "WEBHOOK_ENABLED": os.environ.get("WEBHOOK_ENABLED", "1").lower() not in ("0", "false", "no"),
        "WEBHOOK_ALLOWED_HOSTS": os.environ.get("WEBHOOK_ALLOWED_HOSTS", ""),
        "WEBHOOK_ALLOWED_NETWORKS": os.environ.get("WEBHOOK_ALLOWED_NETWORKS", ""),
        "APP_BASE_URL": os.environ.get("APP_BASE_URL", ""),
    }
    cfg.update(overrides)
    uri = str(cfg["SQLALCHEMY_DATABASE_URI"])
    if uri.startswith("postgresql://"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgresql://"):]
    return cfg
