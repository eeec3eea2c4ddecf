"""The cap on one task's data (`TASK_DATA_MAX_BYTES`, default 1 MB measured as JSON): a submission,
a script's or a service's result, a message payload that would pass it is refused."""
from __future__ import annotations

from typing import Any

from engine.base import config
from engine.definitions.script_limits import measure


def limit() -> int:
    return config.current().task_data_max_bytes


def too_big(data: Any) -> str | None:
    """None when `data` fits; otherwise the Chinese reason, naming the limit."""
    cap = limit()
    if measure(data, cap) <= cap:
        return None
    return f"数据过大：超过任务数据上限 {_human(cap)}"


def _human(size: int) -> str:
    return f"{size / 2**20:g} MB" if size >= 2**20 else f"{size / 2**10:g} KB"
