"""预算年度 (/budget-year): where the year's target reviews and 批复 stand, and the two facts
declared once a year — the performance division declares the result-application decisions ready
(until P6 exists), the budget division records the 人大 approval date; every P2 instance of the
year waiting for it moves on (budget.p2_review.milestones)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from budget.p2_review import milestones, overview
from budget.shared.helpers import today
from engine.base.errors import ValidationFailed
from engine.work.access import is_admin
from web.inputs import query_int
from web.pages.outcome import attempt, flash_failure

bp = Blueprint("budget_year", __name__)
VIEWERS = {"FIN_BUDGET", "FIN_PERF"}
DECLARERS = {"RESULT_DECISIONS_READY": "FIN_PERF", "NPC_APPROVED": "FIN_BUDGET"}


def may_view(user: object) -> bool:
    return bool(user.role_codes() & VIEWERS) or is_admin(user)


def _year(value: str | None) -> int:
    return query_int(value, 2000, 2100) or today().year + 1


def _render(year: int, errors: dict[str, list[str]] | None = None, status: int = 200):  # noqa: ANN202
    years = sorted(set(overview.years_with_instances()) | {today().year, today().year + 1, year})
    roles = current_user.role_codes()
    return render_template(
        "budget_year.html", year=year, years=years, view=overview.year_overview(year),
        names=overview.MILESTONE_NAMES, may_declare={k: r in roles for k, r in DECLARERS.items()},
        errors=errors or {}, values=request.form if errors else {}, today=today()), status


@bp.get("/budget-year")
@login_required
def index():  # noqa: ANN201
    if not may_view(current_user):
        abort(403)
    return _render(_year(request.args.get("year")))


def _posted_date() -> date:
    raw = (request.form.get("on_date") or "").strip()
    try:
        on = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({"on_date": ["请填写正确的日期（YYYY-MM-DD）"]}) from None
    if on > today():
        raise ValidationFailed({"on_date": ["日期不得晚于今天"]})
    return on


@bp.post("/budget-year/<kind>")
@login_required
def declare(kind: str):  # noqa: ANN201
    if kind not in DECLARERS:
        abort(404)
    if DECLARERS[kind] not in current_user.role_codes():
        abort(403)
    year = _year(request.form.get("year"))
    outcome = attempt(lambda: milestones.declare(kind, year, _posted_date(), current_user.username,
                                                 (request.form.get("note") or "").strip()[:2000] or None))
    if outcome.errors is not None:
        flash("未登记：" + "；".join(outcome.messages()), "error")
        return _render(year, outcome.errors, 422)
    if not outcome.ok:
        flash_failure("登记", outcome)
    elif outcome.value:
        flash(f"已登记：{year} 年度{overview.MILESTONE_NAMES[kind]}，等待中的流程将继续办理")
    else:
        flash(f"{year} 年度{overview.MILESTONE_NAMES[kind]}此前已登记，未重复登记", "error")
    return redirect(url_for("budget_year.index", year=year))
