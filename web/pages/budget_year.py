"""预算年度 (/budget-year): where the year's target reviews and 批复 stand, and the two facts
declared once a year — the performance division declares the result-application decisions ready
(until P6 exists), the budget division records the 人大 approval date; every P2 instance of the
year waiting for it moves on (budget.p2_review.milestones)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from budget.p2_review import batch, milestones, overview
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
    view = overview.year_overview(year)
    runs = batch.runs(year)
    return render_template(
        "budget_year.html", year=year, years=years, view=view, runs=runs, eligible=batch.eligible_count(year),
        may_batch="FIN_BUDGET" in roles,
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


@bp.post("/budget-year/declare/<kind>")
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


@bp.post("/budget-year/batch")
@login_required
def batch_start():  # noqa: ANN201
    """The budget division starts P2 for every project-year of the year not yet started; the
    request only records the run (budget.p2_review.batch sends the messages in the background)."""
    if "FIN_BUDGET" not in current_user.role_codes():
        abort(403)
    year = _year(request.form.get("year"))

    def go():  # noqa: ANN202
        raw = (request.form.get("submit_due") or "").strip()
        try:
            due = date.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed({"submit_due": ["请填写正确的日期（YYYY-MM-DD）"]}) from None
        if due < today():
            raise ValidationFailed({"submit_due": ["申报截止日期不得早于今天"]})
        going = batch.runs(year)
        if going and going[0]["sending"]:
            raise ValidationFailed({"submit_due": ["上一批正在启动中，完成后可再次启动"]})
        return batch.start_batch(year, due, current_user.username)

    outcome = attempt(go)
    if outcome.errors is not None:
        flash("未启动：" + "；".join(outcome.messages()), "error")
        return _render(year, outcome.errors, 422)
    if not outcome.ok:
        flash_failure("批量启动", outcome)
    elif outcome.value.total:
        flash(f"已开始为 {outcome.value.total} 个项目年度启动绩效目标审核")
    else:
        flash("没有尚未启动的项目年度，未重复启动", "error")
    return redirect(url_for("budget_year.index", year=year))
