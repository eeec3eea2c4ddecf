"""我的代理: who stands in for me while I am away (handoffs.set_deputy / cancel_deputy)."""
from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.base.db import db
from engine.base.errors import ValidationFailed
from engine.base.models import Deputy
from engine.moves import handoffs
from web.labels import labels
from web.pages.outcome import attempt, flash_failure, not_found_page

bp = Blueprint("deputies", __name__, url_prefix="/me")


def _state(row: Deputy, today: date) -> str:
    if row.cancelled_at:
        return "已取消"
    if row.ends_on < today:
        return "已结束"
    return "生效中" if row.starts_on <= today else "未开始"


def _render(errors: dict[str, list[str]] | None = None, status: int = 200):  # noqa: ANN202
    mine = db.session.scalars(select(Deputy).where(Deputy.principal == current_user.username)
                              .order_by(Deputy.created_at.desc()).limit(100)).all()
    for_others = db.session.scalars(select(Deputy).where(
        Deputy.deputy == current_user.username, Deputy.cancelled_at.is_(None), Deputy.ends_on >= date.today())
        .order_by(Deputy.starts_on)).all()
    return render_template("deputies.html", mine=mine, for_others=for_others, today=date.today(), state=_state,
                           errors=errors or {}, values=request.form if errors else {}), status


@bp.get("/deputies")
@login_required
def index():  # noqa: ANN201
    return _render()


def _date(name: str, label: str) -> date:
    try:
        return date.fromisoformat((request.form.get(name) or "").strip())
    except ValueError:
        raise ValidationFailed({name: [f"请填写{label}（YYYY-MM-DD）"]}) from None


@bp.post("/deputies")
@login_required
def add():  # noqa: ANN201
    def go() -> Deputy:
        starts, ends = _date("starts_on", "开始日期"), _date("ends_on", "结束日期")
        return handoffs.set_deputy(current_user, (request.form.get("deputy") or "").strip(), starts, ends)

    outcome = attempt(go)
    if outcome.errors is not None:
        return _render(outcome.errors, 422)
    if not outcome.ok:
        flash_failure("设置代理", outcome)
    else:
        row = outcome.value
        flash(f"已设置代理：{labels().person(row.deputy)}（{row.starts_on} 至 {row.ends_on}）")
    return redirect(url_for("deputies.index"))


@bp.post("/deputies/<deputy_id>/cancel")
@login_required
def cancel(deputy_id: str):  # noqa: ANN201
    try:
        ident = uuid.UUID(deputy_id)
    except ValueError:
        ident = uuid.UUID(int=0)
    outcome = attempt(lambda: handoffs.cancel_deputy(ident, current_user))
    if outcome.ok:
        flash(f"已取消代理：{labels().person(outcome.value.deputy)}")
    elif outcome.status == 404:
        return not_found_page("代理设置不存在")
    else:
        flash_failure("取消代理", outcome)
    return redirect(url_for("deputies.index"))
