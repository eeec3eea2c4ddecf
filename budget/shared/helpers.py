"""Script helpers every family's models may call."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from engine.base import hooks
from engine.base.now import today as engine_today

TZ = ZoneInfo("Asia/Shanghai")  # README §0.2: business dates are Shanghai dates


@hooks.script_helper("today")
def today() -> date:
    return engine_today()
