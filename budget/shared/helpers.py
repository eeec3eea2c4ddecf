"""Script helpers every family's models may call."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from engine.base import hooks

TZ = ZoneInfo("Asia/Shanghai")  # README §0.2: business dates are Shanghai dates


@hooks.script_helper("today")
def today() -> date:
    return datetime.now(TZ).date()
