"""Working days (engine.time.calendar) on an explicit calendar: no database."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from engine.definitions.steprules import parse
from engine.time.calendar import (
    HOLIDAY,
    WORKDAY,
    WorkCalendar,
    _count,
    end_of_day,
    local_date,
    shipped_days,
)

D = date.fromisoformat


def spring_festival_2025() -> WorkCalendar:
    """The 2025 春节 arrangement: off 1/28–2/4, worked Sunday 1/26 and Saturday 2/8."""
    days = {D("2025-01-26"): WORKDAY, D("2025-02-08"): WORKDAY}
    day = D("2025-01-28")
    while day <= D("2025-02-04"):
        days[day] = HOLIDAY
        day += timedelta(days=1)
    return WorkCalendar(days.get)


def test_weekends_are_off_and_weekdays_on_without_exceptions():
    plain = WorkCalendar(lambda _day: None)
    assert [plain.is_working_day(D(f"2025-03-{d:02d}")) for d in range(3, 10)] == [
        True, True, True, True, True, False, False]  # Mon 3 … Sun 9
    assert plain.add(D("2025-03-07"), 1) == D("2025-03-10")  # Friday + 1 = Monday
    assert plain.add(D("2025-03-08"), 5) == D("2025-03-14")  # from a Saturday: Mon … Fri
    assert plain.add(D("2025-03-08"), 0) == D("2025-03-08")  # n = 0: the start itself


def test_spring_festival_2025_is_skipped_and_the_make_up_sunday_counts():
    cal = spring_festival_2025()
    assert cal.is_working_day(D("2025-01-26"))  # Sunday, 调休上班
    assert not cal.is_working_day(D("2025-01-28"))  # Tuesday, 春节
    assert not cal.is_working_day(D("2025-02-03"))  # Monday, 春节
    # Friday 1/24: Sat off, Sun 1/26 worked (1), Mon 1/27 (2), 1/28–2/4 off, Wed 2/5 (3)
    assert cal.add(D("2025-01-24"), 1) == D("2025-01-26")
    assert cal.add(D("2025-01-24"), 3) == D("2025-02-05")
    assert cal.add(D("2025-01-27"), 1) == D("2025-02-05")  # straight across the holiday


def test_a_make_up_saturday_counts_as_a_working_day():
    cal = spring_festival_2025()
    assert cal.is_working_day(D("2025-02-08"))  # Saturday, 调休上班
    assert not cal.is_working_day(D("2025-02-09"))  # the Sunday after stays off
    # Wed 2/5, Thu 2/6, Fri 2/7, Sat 2/8 (worked), Mon 2/10
    assert cal.add(D("2025-02-04"), 4) == D("2025-02-08")
    assert cal.add(D("2025-02-04"), 5) == D("2025-02-10")


def test_between_counts_the_days_after_a_up_to_b():
    cal = spring_festival_2025()
    assert cal.between(D("2025-01-24"), D("2025-02-05")) == 3
    assert cal.between(D("2025-02-05"), D("2025-01-24")) == -3
    assert cal.between(D("2025-01-28"), D("2025-02-04")) == 0
    assert cal.between(D("2025-02-01"), D("2025-02-01")) == 0
    for n in range(12):  # between(a, add(a, n)) == n
        assert cal.between(D("2025-01-20"), cal.add(D("2025-01-20"), n)) == n


def test_holiday_on_a_weekday_is_off_even_without_a_weekend():
    cal = WorkCalendar({D("2025-01-01"): HOLIDAY}.get)  # 元旦, a Wednesday
    assert not cal.is_working_day(D("2025-01-01"))
    assert cal.add(D("2024-12-31"), 1) == D("2025-01-02")


@pytest.mark.parametrize("bad", [-1, 1.5, "3", None, True, 100000])
def test_bad_counts_are_refused(bad):
    with pytest.raises(ValueError):
        WorkCalendar(lambda _d: None).add(D("2025-01-01"), bad)


def test_integral_decimals_from_rule_tables_are_counts():
    assert _count(Decimal("5")) == 5 and _count(5.0) == 5


def test_dates_from_task_data():
    assert local_date("2025-02-08") == D("2025-02-08")
    assert local_date(datetime(2025, 2, 7, 17, 0, tzinfo=UTC)) == D("2025-02-08")  # 01:00 in Beijing
    assert local_date("2025-02-07T20:00:00+00:00") == D("2025-02-08")
    assert local_date(datetime(2025, 2, 7, 23, 0)) == D("2025-02-07")  # naive: local
    with pytest.raises(ValueError, match="无法识别的日期"):
        local_date("2025-02-30")


def test_end_of_day_is_the_last_second_in_beijing():
    assert end_of_day(D("2025-02-05")).isoformat() == "2025-02-05T23:59:59+08:00"


def test_shipped_arrangements_2025_and_2026():
    shipped = shipped_days()
    assert set(shipped) >= {2025, 2026}
    for _year, days in shipped.items():
        for day, kind, name in days:
            assert name
            if kind == WORKDAY:
                assert day.weekday() >= 5, f"调休上班日 {day} 应是周末"
    y2025 = {d: k for d, k, _ in shipped[2025]}
    assert [d for d, k in y2025.items() if k == WORKDAY] == [
        D("2025-01-26"), D("2025-02-08"), D("2025-04-27"), D("2025-09-28"), D("2025-10-11")]
    assert all(y2025[D("2025-01-28") + timedelta(days=i)] == HOLIDAY for i in range(8))
    assert y2025[D("2025-10-08")] == HOLIDAY and y2025[D("2025-01-01")] == HOLIDAY
    y2026 = {d: k for d, k, _ in shipped[2026]}
    assert [d for d, k in y2026.items() if k == WORKDAY] == [
        D("2026-01-04"), D("2026-02-14"), D("2026-02-28"), D("2026-05-09"), D("2026-09-20"), D("2026-10-10")]
    assert all(y2026[D("2026-02-15") + timedelta(days=i)] == HOLIDAY for i in range(9))
    assert sum(1 for k in y2026.values() if k == HOLIDAY) == 3 + 9 + 3 + 5 + 3 + 3 + 7


def test_due_in_accepts_working_days_and_still_refuses_junk():
    rules, errors = parse({"dueIn": "5WD"})
    assert errors == [] and rules.due_working_days == 5 and rules.due_in is None
    assert parse({"dueIn": "3wd"})[0].due_working_days == 3
    rules, errors = parse({"dueIn": "P2DT4H"})
    assert errors == [] and rules.due_in == timedelta(days=2, hours=4) and rules.due_working_days is None
    for junk in ("5 days", "WD", "5W", "P5WD", "-2WD", "1000WD"):
        rules, errors = parse({"dueIn": junk})
        assert errors == [f"dueIn 须为 ISO 8601 时长（如 P5D、PT4H）或工作日数（如 5WD），而不是 “{junk}”"]
        assert rules.due_working_days is None and rules.due_in is None
    rules, errors = parse({"dueIn": "0WD"})
    assert errors and "至少为 1" in errors[0] and rules.due_working_days is None
