"""The engine's settings: typed fields with their defaults, one object per process. The app
factory (web.create_app, which the worker and the scheduler use too) fills it from the app's
configuration with `configure(EngineConfig.from_mapping(app.config))`; the engine reads
`current()` and never Flask's `current_app`. Tests change a setting for a while with `override`."""
from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EngineConfig:
    # The queue (engine.dispatch.queue) and the scheduler's tick (engine.time.clock).
    redis_url: str = ""
    sweep_grace_seconds: float = 30.0
    job_retry_base_seconds: float = 10.0
    job_retry_max_seconds: float = 3600.0
    queue_stuck_seconds: int = 300
    message_ttl_days: float = 30.0
    # Whose holiday calendar counts working days (engine.time.calendar): 示例市本级.
    jurisdiction: str = "SAMPLE-CITY"
    # Reminders and escalation (engine.work.reminders): days before the due day, the hour
    # (Asia/Shanghai) every occasion fires, overdue repeats, escalation (calendar days).
    reminder_days_before: tuple[int, ...] = (7, 3, 1)
    due_hour: int = 9
    overdue_repeat_days: int = 3
    escalate_head_days: int = 3
    escalate_fin_days: int = 7
    # Notification channels (engine.dispatch.channels).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 10.0
    mail_from: str = ""
    webhook_enabled: bool = True
    webhook_allowed_hosts: str = ""
    app_base_url: str = ""
    # The cap on one task's data, measured as JSON (engine.definitions.datasize).
    task_data_max_bytes: int = 1024 * 1024

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> EngineConfig:
        """From a mapping of upper-case names (REDIS_URL, SMTP_HOST, …); absent names keep their
        default, present ones are coerced to the field's type."""
        hints = typing.get_type_hints(cls)
        found = {f.name: _coerce(hints[f.name], values[f.name.upper()])
                 for f in dataclasses.fields(cls) if values.get(f.name.upper()) is not None}
        return cls(**found)


def _coerce(kind: Any, value: Any) -> Any:
    if kind is bool:
        return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")
    if typing.get_origin(kind) is tuple:
        items = value.split(",") if isinstance(value, str) else value
        return tuple(int(v) for v in items if str(v).strip())
    return kind(value)


_current = EngineConfig()


def current() -> EngineConfig:
    return _current


def configure(config: EngineConfig) -> None:
    global _current
    _current = config


@contextmanager
def override(**changes: Any) -> Iterator[EngineConfig]:
    """Change some settings until the block ends (tests)."""
    saved = _current
    configure(dataclasses.replace(saved, **changes))
    try:
        yield _current
    finally:
        configure(saved)
