"""任务队列 (/admin/queue): background work as administrators see it — RQ queues, outbox rows,
failed jobs with 重试/丢弃, timers and kept messages (engine.queue_view). System and process
administrators read it; only system administrators retry or discard."""
from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.base.errors import ValidationFailed
from engine.views import queue_view
from web.inputs import ReasonInput
from web.labels import labels
from web.pages.admin import admin_required
from web.pages.outcome import attempt_with, flash_failure, parse_id

bp = Blueprint("queue_admin", __name__, url_prefix="/admin")

STATUS_LABELS = {"PENDING": "待执行", "DONE": "已完成", "FAILED": "失败", "DISCARDED": "已丢弃",
                 "WAITING": "等待中", "DUE": "已到期，待执行", "EXPIRED": "已过期"}
TIMER_KINDS = {"DurationTimerEventDefinition": "时长", "TimeDateEventDefinition": "指定时间",
               "CycleTimerEventDefinition": "循环"}


def viewer_required(fn):  # noqa: ANN001, ANN201
    @wraps(fn)
    @login_required
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if not queue_view.may_view(current_user):
            abort(403)
        return fn(*args, **kwargs)

    return wrapper


def waited(seconds: int | None) -> str:
    """12 秒 / 5 分钟 / 3 小时 20 分 / 2 天 4 小时."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds} 秒"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} 小时" + (f" {minutes} 分" if minutes else "")
    days, hours = divmod(hours, 24)
    return f"{days} 天" + (f" {hours} 小时" if hours else "")


@bp.get("/queue")
@viewer_required
def index():  # noqa: ANN201
    return render_template("admin_queue.html", v=queue_view.overview(), may_manage=queue_view.may_manage(current_user),
                           status_labels=STATUS_LABELS, timer_kinds=TIMER_KINDS, waited=waited)


def _job(job_id: str) -> Any:
    found = parse_id(job_id)
    if found is None:
        raise ValidationFailed({"id": ["编号无效"]})
    return found


@bp.post("/queue/jobs/<job_id>/retry")
@admin_required
def retry(job_id: str):  # noqa: ANN201
    outcome = attempt_with(ReasonInput, request.form, lambda a: queue_view.retry_job(
        _job(job_id), current_user, a["reason"] or ""))
    if outcome.ok:
        flash(f"已重新排队：{labels().job_kind(outcome.value['kind'])}（任务 {job_id[:8]}），将重新尝试 "
              f"{outcome.value['max_attempts'] - outcome.value['attempts']} 次")
    else:
        flash_failure("重试", outcome)
    return redirect(url_for("queue_admin.index") + "#failed")


@bp.post("/queue/jobs/<job_id>/discard")
@admin_required
def discard(job_id: str):  # noqa: ANN201
    outcome = attempt_with(ReasonInput, request.form, lambda a: queue_view.discard_job(
        _job(job_id), current_user, a["reason"] or ""))
    if outcome.ok:
        flash(f"已丢弃：{labels().job_kind(outcome.value['kind'])}（任务 {job_id[:8]}），不再执行")
    else:
        flash_failure("丢弃", outcome)
    return redirect(url_for("queue_admin.index") + "#failed")
