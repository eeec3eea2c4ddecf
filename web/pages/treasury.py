"""暂缓拨款 (/payment-holds): the payment holds the fund divisions decided in P3 (F-11), for the
treasury, who releases them with a note (POST, once; audit row and notices in
budget.p3_monitoring.treasury); the fund divisions see their own read-only. The budget division's
queue of budget-adjustment requests (RECOVER / REALLOCATE) is on the same page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from budget.calc.money import yuan_to_wan
from budget.p3_monitoring import treasury
from engine.base.errors import NotFound
from web.pages.outcome import attempt, flash_failure, not_found_page

bp = Blueprint("treasury", __name__)
KINDS = {"RECOVER": "收回资金", "REALLOCATE": "调剂资金"}


def may_view(user: object) -> bool:
    return treasury.may_see_holds(user) or treasury.may_see_adjustments(user)


def _render(errors: dict[str, list[str]] | None = None, failed: str | None = None, status: int = 200):  # noqa: ANN202
    roles = current_user.role_codes()
    see_holds = treasury.may_see_holds(current_user)
    return render_template(
        "treasury.html", holds=treasury.holds(current_user) if see_holds else [],
        released=treasury.holds(current_user, "RELEASED")[:20] if see_holds else [], see_holds=see_holds,
        adjustments=treasury.adjustments(current_user) if treasury.may_see_adjustments(current_user) else None,
        may_release=bool(roles & treasury.RELEASERS), kinds=KINDS, wan=yuan_to_wan,
        errors=errors or {}, failed=failed, values=request.form if errors else {}), status


@bp.get("/payment-holds")
@login_required
def index():  # noqa: ANN201
    if not may_view(current_user):
        abort(403)
    return _render()


@bp.post("/payment-holds/<hold_id>/release")
@login_required
def release(hold_id: str):  # noqa: ANN201
    try:
        treasury.visible_hold(hold_id, current_user)  # 404 outside the caller's scope, before anything else
    except NotFound:
        return not_found_page("暂缓拨款记录不存在或您无权查看")
    note = (request.form.get("note") or "").strip()
    if not 5 <= len(note) <= 500:
        return _render({"note": ["请填写解除说明（5–500 字）"]}, failed=hold_id, status=422)

    def act() -> bool:
        return treasury.release(hold_id, current_user, note)[1]

    outcome = attempt(act)
    if not outcome.ok:
        flash_failure("解除暂缓", outcome)
        return redirect(url_for("treasury.index"))
    flash("已解除暂缓拨款" if outcome.value else "该暂缓拨款此前已解除")
    return redirect(url_for("treasury.index"))
