"""工作日历 (/admin/holidays): the system administrator lists, adds, changes and removes days;
bad input writes nothing; nobody else gets in."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.base.db import db as _db
from engine.base.models import HolidayDay
from engine.time import calendar


@pytest.fixture()
def shipped(people):
    calendar.clear_cache()
    calendar.load_shipped()
    _db.session.commit()
    yield
    calendar.clear_cache()


def count() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(HolidayDay))


def day(value: str) -> HolidayDay | None:
    _db.session.expire_all()
    return _db.session.get(HolidayDay, ("SAMPLE-CITY", date.fromisoformat(value)))


def test_the_year_is_listed_with_chinese_labels_and_the_nav_link(shipped, login):
    admin = login("admin")
    page = admin.get("/admin/holidays?year=2025").get_data(as_text=True)
    assert "工作日历" in page and 'href="/admin/holidays"' in page
    assert "2025-01-26" in page and "周日" in page and "调休上班" in page
    assert "2025-10-08" in page and "国庆节、中秋节" in page and "法定节假日" in page
    assert "2026-02-15" not in page  # another year
    page = admin.get("/admin/holidays?year=2026").get_data(as_text=True)
    assert "2026-02-15" in page and "2026-02-28" in page


def test_add_change_and_remove_a_day(shipped, login):
    admin = login("admin")
    before = count()
    reply = admin.post("/admin/holidays", data={"day": "2025-03-03", "kind": "HOLIDAY", "name": "地方纪念日"},
                       follow_redirects=True)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "已添加：2025-03-03 法定节假日（地方纪念日）" in page
    assert count() == before + 1 and not calendar.is_working_day(date(2025, 3, 3))

    reply = admin.post("/admin/holidays", data={"day": "2025-03-03", "kind": "WORKDAY", "name": "改为上班"},
                       follow_redirects=True)
    assert "已修改：2025-03-03 调休上班（改为上班）" in reply.get_data(as_text=True)
    assert count() == before + 1 and day("2025-03-03").kind == "WORKDAY"

    reply = admin.post("/admin/holidays/delete", data={"day": "2025-03-03"}, follow_redirects=True)
    assert "已删除：2025-03-03" in reply.get_data(as_text=True)
    assert count() == before and day("2025-03-03") is None and calendar.is_working_day(date(2025, 3, 3))

    reply = admin.post("/admin/holidays/delete", data={"day": "2025-03-03"}, follow_redirects=True)
    assert "删除未成功：2025-03-03 不在工作日历中" in reply.get_data(as_text=True)


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"day": "2025-02-30", "kind": "HOLIDAY"}, "day", "请填写正确的日期（YYYY-MM-DD）"),
    ({"day": "", "kind": "HOLIDAY"}, "day", "请填写正确的日期（YYYY-MM-DD）"),
    ({"day": "2025-03-03", "kind": "HALFDAY"}, "kind", "类型须为“法定节假日”或“调休上班”"),
    ({"day": "2025-03-03", "kind": "HOLIDAY", "name": "长" * 81}, "name", "名称不超过 80 个字"),
])
def test_bad_input_gets_a_chinese_error_and_writes_nothing(shipped, login, form, field, message):
    admin = login("admin")
    before = count()
    reply = admin.post("/admin/holidays", data=form)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and message in page and f'data-for="{field}"' in page
    assert count() == before and day("2025-03-03") is None


def test_only_the_system_administrator(shipped, login):
    filer = login("f1")
    assert filer.get("/admin/holidays").status_code == 403
    assert filer.post("/admin/holidays", data={"day": "2025-03-03", "kind": "HOLIDAY"}).status_code == 403
    assert filer.post("/admin/holidays/delete", data={"day": "2025-01-28"}).status_code == 403
    assert "/admin/holidays" not in filer.get("/todo").get_data(as_text=True)
    assert day("2025-01-28") is not None and day("2025-03-03") is None
