"""The engine's time: the wall clock, or — in tests and the demo loader — the wall clock moved by a
fixed shift (`engine.time.clock.travel_to`), so a year of monthly timers passes in seconds while
every component agrees on the date. Everything that asks the time asks here: `utcnow()`, the timers
SpiffWorkflow evaluates (its timer module is pointed at this clock below), the script helpers
`today`/`now`, the scheduler's tick. The shift is per process and production never sets it."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

SHANGHAI = ZoneInfo("Asia/Shanghai")
_shift = timedelta(0)


def now(tz: tzinfo | None = UTC) -> datetime:
    """The engine's current moment (aware in `tz`; naive local time when tz is None, like datetime.now())."""
    moment = datetime.now(UTC) + _shift
    return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)


def today() -> date:
    """The engine's business date (Asia/Shanghai)."""
    return now(SHANGHAI).date()


def shift() -> timedelta:
    return _shift


def set_shift(delta: timedelta) -> None:
    global _shift
    _shift = delta


class _EngineDatetime(datetime):
    """What SpiffWorkflow's timer module calls `datetime`: the same class, but `now()` is the engine's."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        return now(tz)


# SpiffWorkflow compares timers with datetime.now(timezone.utc) inside its timer module; without
# this, a shifted engine would store a due time Spiff itself never considers reached.
_spiff_timer.datetime = _EngineDatetime
