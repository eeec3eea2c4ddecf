"""工作日历: the system administrator keeps each jurisdiction's 法定节假日 and 调休上班 days
(engine.time.calendar), one year at a time."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.base.errors import ValidationFailed
from engine.time import calendar
from web.inputs import query_int
from web.pages.admin import admin_required
from web.pages.outcome import attempt, flash_failure

bp = Blueprint("holidays", __name__, url_prefix="/admin")
WEEKDAYS = "一二三四五六日"


def _year(value: str | None) -> int:
    return query_int(value, 2000, 2100) or date.today().year


def _render(jurisdiction: str, year: int, errors: dict[str, list[str]] | None = None, status: int = 200):  # noqa: ANN202
    known = calendar.years_of(jurisdiction)
    this_year = date.today().year
    years = sorted(set(known) | {this_year - 1, this_year, this_year + 1, year})
    return render_template(
        "admin_holidays.html", jurisdiction=jurisdiction, jurisdictions=calendar.jurisdictions(), year=year,
        years=years, days=calendar.days_of(jurisdiction, year), kinds=calendar.KINDS, weekdays=WEEKDAYS,
        errors=errors or {}, values=request.form if errors else {}), status


def _jurisdiction_arg(value: str | None) -> str:
    value = (value or "").strip()
    return value[:40] if value else calendar.default_jurisdiction()


@bp.get("/holidays")
@admin_required
def index():  # noqa: ANN201
    return _render(_jurisdiction_arg(request.args.get("jurisdiction")), _year(request.args.get("year")))


def _posted_day() -> date:
    try:
        return date.fromisoformat((request.form.get("day") or "").strip())
    except ValueError:
        raise ValidationFailed({"day": ["请填写正确的日期（YYYY-MM-DD）"]}) from None


@bp.post("/holidays")
@admin_required
def save():  # noqa: ANN201
    """Add a day, or change the kind and name of one already listed."""
    jurisdiction = _jurisdiction_arg(request.form.get("jurisdiction"))

    def go() -> tuple[object, bool]:
        day = _posted_day()
        return calendar.set_day(jurisdiction, day, (request.form.get("kind") or "").strip(),
                                request.form.get("name") or "")

    outcome = attempt(go)
    if outcome.errors is not None:
        flash("保存未成功：" + "；".join(outcome.messages()), "error")
        return _render(jurisdiction, _year(request.form.get("year")), outcome.errors, 422)
    if not outcome.ok:
        flash_failure("保存", outcome)
        return redirect(url_for("holidays.index", jurisdiction=jurisdiction, year=request.form.get("year")))
    row, created = outcome.value
    label = calendar.KINDS[row.kind]
    flash(f"{'已添加' if created else '已修改'}：{row.day} {label}{('（' + row.name + '）') if row.name else ''}")
    return redirect(url_for("holidays.index", jurisdiction=row.jurisdiction, year=row.day.year))


@bp.post("/holidays/delete")
@admin_required
def remove():  # noqa: ANN201
    jurisdiction = _jurisdiction_arg(request.form.get("jurisdiction"))
    outcome = attempt(lambda: calendar.remove_day(jurisdiction, _posted_day()))
    if not outcome.ok:
        flash_failure("删除", outcome)
        return redirect(url_for("holidays.index", jurisdiction=jurisdiction, year=_year(request.form.get("year"))))
    row = outcome.value
    flash(f"已删除：{row.day} {calendar.KINDS.get(row.kind, row.kind)}，该日恢复按周一至周五计算")
    return redirect(url_for("holidays.index", jurisdiction=jurisdiction, year=row.day.year))
