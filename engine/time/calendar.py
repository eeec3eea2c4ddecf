"""工作日: the holiday calendar of a jurisdiction (法定节假日 and 调休上班 days on top of the
Monday–Friday week) and deadlines counted in working days, for step rules (`dueIn="5WD"`),
scripts, conditions, timer expressions and DMN cells (docs/design.md, "Working days").

Counting starts the day after the start: 3 working days from a Friday are Mon, Tue, Wed. A
deadline is the end of its last working day, 23:59:59 in Asia/Shanghai."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import delete, event, func, select

from engine.base import config, hooks
from engine.base.db import db, utcnow
from engine.base.errors import NotFound, ValidationFailed
from engine.base.models import HolidayDay

HOLIDAY, WORKDAY = "HOLIDAY", "WORKDAY"
KINDS = {HOLIDAY: "法定节假日", WORKDAY: "调休上班"}
LOCAL = ZoneInfo("Asia/Shanghai")
END_OF_DAY = clock_time(23, 59, 59)
DEFAULT_JURISDICTION = "SAMPLE-CITY"  # 示例市本级 (../shared/domain/sample-data.md)
SHIPPED = Path(__file__).resolve().parent / "data" / "holidays_cn.yaml"
MAX_WORKING_DAYS = 2500  # about ten years; more is a modelling error, not a deadline
CACHE_SECONDS = 300.0  # other processes see an administrator's edit within this time


class WorkCalendar:
    """The counting rules over `kind_of(day) -> "HOLIDAY" | "WORKDAY" | None`; no database."""

    def __init__(self, kind_of: Callable[[date], str | None]) -> None:
        self.kind_of = kind_of

    def is_working_day(self, day: date) -> bool:
        kind = self.kind_of(day)
        if kind == HOLIDAY:
            return False
        if kind == WORKDAY:
            return True
        return day.weekday() < 5

    def add(self, start: date, n: int) -> date:
        """The n-th working day after `start` (n = 0: `start` itself)."""
        n = _count(n)
        day, found = start, 0
        while found < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                found += 1
        return day

    def between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b`; negative when `b` is before `a`.
        `between(a, add(a, n)) == n`."""
        if b < a:
            return -self.between(b, a)
        if (b - a).days > MAX_WORKING_DAYS * 2:
            raise ValueError(f"日期相隔过远：{a} 至 {b}")
        return sum(1 for i in range(1, (b - a).days + 1) if self.is_working_day(a + timedelta(days=i)))


def _count(n: Any) -> int:
    if isinstance(n, Decimal | float) and n == int(n):
        n = int(n)  # a count from form data or a rule table: 5.0, Decimal("5")
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_WORKING_DAYS:
        raise ValueError(f"工作日数须为 0 到 {MAX_WORKING_DAYS} 之间的整数，而不是 {n!r}")
    return n


def local_date(value: Any) -> date:
    """A date from a date, a datetime (aware: its Asia/Shanghai day; naive: taken as local) or an
    ISO 8601 string, as found in task data."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"无法识别的日期：{value!r}（应为 YYYY-MM-DD）") from None
    if isinstance(value, datetime):
        return value.astimezone(LOCAL).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    raise ValueError(f"无法识别的日期：{value!r}（应为 YYYY-MM-DD）")


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, LOCAL)


# --- the calendar of a jurisdiction, from holiday_day, cached per (jurisdiction, year) ---------

_version = 0
_cache: dict[tuple[str, int], tuple[int, float, dict[date, str]]] = {}


def default_jurisdiction() -> str:
    return config.current().jurisdiction or DEFAULT_JURISDICTION


def clear_cache() -> None:
    """Forget every loaded year (tests; the edits below do it themselves)."""
    global _version
    _version += 1
    _cache.clear()


def _days_of_year(jurisdiction: str, year: int) -> dict[date, str]:
    hit = _cache.get((jurisdiction, year))
    now = time.monotonic()
    if hit and hit[0] == _version and now - hit[1] < CACHE_SECONDS:
        return hit[2]
    version = _version  # taken before the read: an edit meanwhile makes this entry stale at once
    with db.session.no_autoflush:  # called from scripts inside a move: never flush its rows here
        rows = db.session.execute(select(HolidayDay.day, HolidayDay.kind).where(
            HolidayDay.jurisdiction == jurisdiction,
            HolidayDay.day >= date(year, 1, 1), HolidayDay.day <= date(year, 12, 31))).all()
    days = {r.day: r.kind for r in rows}
    _cache[(jurisdiction, year)] = (version, now, days)
    return days


def calendar_for(jurisdiction: str | None = None) -> WorkCalendar:
    where = jurisdiction or default_jurisdiction()
    return WorkCalendar(lambda day: _days_of_year(where, day.year).get(day))


def is_working_day(day: date | datetime | str, jurisdiction: str | None = None) -> bool:
    return calendar_for(jurisdiction).is_working_day(local_date(day))


def add_working_days(start: date | datetime | str, n: int, jurisdiction: str | None = None) -> date:
    """The n-th working day after `start` (counting starts the next day; n = 0: `start`)."""
    return calendar_for(jurisdiction).add(local_date(start), n)


def working_days_between(a: date | datetime | str, b: date | datetime | str,
                         jurisdiction: str | None = None) -> int:
    return calendar_for(jurisdiction).between(local_date(a), local_date(b))


def deadline(n: int, start: date | datetime | str | None = None, jurisdiction: str | None = None) -> datetime:
    """End (23:59:59 Asia/Shanghai) of the n-th working day after `start` (default: now)."""
    return end_of_day(add_working_days(start if start is not None else utcnow(), n, jurisdiction))


# --- script helpers: scripts, conditions, timer expressions and DMN cells --------------------

@hooks.script_helper("add_working_days")
def _helper_add_working_days(n: int, start: Any = None) -> str:
    """`add_working_days(5)` → "2025-02-06T23:59:59+08:00": usable as a timeDate expression."""
    return deadline(n, start).isoformat()


@hooks.script_helper("working_day")
def _helper_working_day(day: Any) -> bool:
    return is_working_day(day)


@hooks.script_helper("working_days_between")
def _helper_working_days_between(a: Any, b: Any) -> int:
    return working_days_between(a, b)


# --- administration ---------------------------------------------------------------------------

def _changed() -> None:
    """Edits invalidate this process's cache now and again when their transaction ends (another
    request may have read the old rows meanwhile); other processes after CACHE_SECONDS."""
    clear_cache()
    session = db.session()
    for name in ("after_commit", "after_rollback"):
        event.listen(session, name, lambda *_: clear_cache(), once=True)


def _jurisdiction(value: str | None) -> str:
    where = (value or "").strip() or default_jurisdiction()
    if len(where) > 40:
        raise ValidationFailed({"jurisdiction": ["地区代码不超过 40 个字符"]})
    return where


def set_day(jurisdiction: str | None, day: date, kind: str, name: str = "") -> tuple[HolidayDay, bool]:
    """Add or change one day; returns the row and whether it is new."""
    errors: dict[str, list[str]] = {}
    if kind not in KINDS:
        errors["kind"] = [f"类型须为“法定节假日”或“调休上班”，而不是 “{kind}”"]
    name = (name or "").strip()
    if len(name) > 80:
        errors["name"] = ["名称不超过 80 个字"]
    if errors:
        raise ValidationFailed(errors)
    where = _jurisdiction(jurisdiction)
    row = db.session.get(HolidayDay, (where, day))
    created = row is None
    if row is None:
        row = HolidayDay(jurisdiction=where, day=day)
        db.session.add(row)
    row.kind, row.name = kind, name
    _changed()
    return row, created


def remove_day(jurisdiction: str | None, day: date) -> HolidayDay:
    row = db.session.get(HolidayDay, (_jurisdiction(jurisdiction), day))
    if row is None:
        raise NotFound(f"{day} 不在工作日历中")
    db.session.delete(row)
    _changed()
    return row


def days_of(jurisdiction: str | None, year: int) -> list[HolidayDay]:
    return list(db.session.scalars(select(HolidayDay).where(
        HolidayDay.jurisdiction == _jurisdiction(jurisdiction),
        HolidayDay.day >= date(year, 1, 1), HolidayDay.day <= date(year, 12, 31)).order_by(HolidayDay.day)))


def jurisdictions() -> list[str]:
    found = set(db.session.scalars(select(HolidayDay.jurisdiction).distinct()))
    return sorted(found | {default_jurisdiction()})


def years_of(jurisdiction: str | None) -> list[int]:
    year = func.extract("year", HolidayDay.day)
    rows = db.session.scalars(select(year).where(HolidayDay.jurisdiction == _jurisdiction(jurisdiction))
                              .distinct())
    return sorted(int(y) for y in rows)


# --- shipped data ------------------------------------------------------------------------------

def shipped_days(path: Path = SHIPPED) -> dict[int, list[tuple[date, str, str]]]:
    """The State Council arrangements shipped in engine/data: year → [(day, kind, name)]."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: dict[int, list[tuple[date, str, str]]] = {}
    for year, spec in doc.items():
        days: dict[date, tuple[date, str, str]] = {}
        for span in spec.get("holidays", []):
            day = span["from"]
            while day <= span["to"]:
                days[day] = (day, HOLIDAY, span["name"])
                day += timedelta(days=1)
        for group in spec.get("workdays", []):
            for day in group["days"]:
                days[day] = (day, WORKDAY, group["name"])
        found[int(year)] = sorted(days.values())
    return found


def load_shipped(jurisdiction: str | None = None, *, replace: bool = False) -> dict[int, int]:
    """Load each shipped year the jurisdiction has no day of yet (`replace`: every shipped year,
    overwriting that year's rows). Returns year → days loaded; the caller commits."""
    where = _jurisdiction(jurisdiction)
    present = set(years_of(where))
    loaded: dict[int, int] = {}
    for year, days in shipped_days().items():
        if year in present and not replace:
            continue
        db.session.execute(delete(HolidayDay).where(
            HolidayDay.jurisdiction == where,
            HolidayDay.day >= date(year, 1, 1), HolidayDay.day <= date(year, 12, 31)))
        db.session.add_all(HolidayDay(jurisdiction=where, day=d, kind=k, name=n) for d, k, n in days)
        loaded[year] = len(days)
    if loaded:
        _changed()
    return loaded
