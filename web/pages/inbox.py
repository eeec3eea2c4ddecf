"""待办 (sort, filters, 批量同意) / 已办 / 我发起的 (who it waits for), and starting a new request."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.base.db import utcnow
from engine.base.errors import EngineError, Forbidden, NotFound
from engine.base.models import HumanTask, ProcessModelVersion
from engine.moves.runtime import start_process
from engine.work import inbox as queries
from web.inputs import query_int
from web.labels import labels
from web.pages.batch import approve_all
from web.paging import page_args
from web.presenters import task_json
from web.transactions import atomic

bp = Blueprint("inbox", __name__)

FILTERS = ("process_key", "business_key", "year", "dept", "task_name", "priority")
SORTS = {"created": "到达时间", "due": "截止时间", "priority": "优先级"}
PAGE_SIZE = 100
CANDIDATES_SHOWN = 5


@bp.get("/")
@login_required
def home():  # noqa: ANN201
    return redirect(url_for("inbox.todo"))


@bp.get("/todo")
@login_required
def todo():  # noqa: ANN201
    filters: dict[str, Any] = {k: request.args.get(k, "").strip() for k in FILTERS}
    if filters["year"] and query_int(filters["year"], 1900, 2999) is None:
        flash("年度须为 4 位数字")
        filters["year"] = ""
    if filters["priority"] not in ("", "1", "2"):
        filters["priority"] = ""
    filters["overdue"] = "1" if request.args.get("overdue") else ""
    sort = request.args.get("sort", "created")
    sort = sort if sort in SORTS else "created"
    page = query_int(request.args.get("page"), 1, 100_000) or 1
    rows = queries.todo(current_user, filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE, sort=sort)
    now = utcnow()
    tasks = [{**task_json(t), "overdue": t.due_at is not None and t.due_at < now} for t in rows[:PAGE_SIZE]]
    return render_template("todo.html", tasks=tasks, filters=filters, sort=sort, sorts=SORTS, page=page,
                           more=len(rows) > PAGE_SIZE, startable=_startable())


@bp.post("/todo/batch")
@login_required
def batch():  # noqa: ANN201
    """批量同意: each task in its own transaction (web/api/operations.py batch_complete)."""
    raw = request.form.getlist("ids")
    if not raw or len(raw) > PAGE_SIZE:
        flash(f"请勾选 1–{PAGE_SIZE} 项待办后再批量同意", "error")
        return redirect(url_for("inbox.todo"))
    done, failed = approve_all(raw, current_user)
    flash(f"批量同意：成功 {done} 项" + (f"，未成功 {len(failed)} 项" if failed else ""),
          "error" if failed else "message")
    for title, reason in failed:
        flash(f"“{title}”未同意：{reason}", "error")
    return redirect(url_for("inbox.todo"))


@bp.get("/done")
@login_required
def done():  # noqa: ANN201
    filters = {k: request.args.get(k, "").strip() for k in ("process_key", "business_key", "year", "dept")}
    if filters["year"] and query_int(filters["year"], 1900, 2999) is None:
        flash("年度须为 4 位数字")
        filters["year"] = ""
    found = queries.done(current_user, *page_args(), filters=filters)
    return render_template("done.html", found=found, tasks=[task_json(t) for t in found.items], filters=filters)


@bp.get("/started")
@login_required
def started():  # noqa: ANN201
    found = queries.started_by(current_user, *page_args())
    rows = []
    for i in found.items:
        ready = queries.ready_tasks(i.id) if i.status == "RUNNING" else []
        rows.append((i, [(t, waiting_for(t)) for t in ready]))
    return render_template("started.html", rows=rows, found=found)


def waiting_for(task: HumanTask) -> str:
    """Who the instance waits for at `task`: the person, or the role and its first candidates."""
    names = labels()
    if task.assignee:
        return names.person(task.assignee)
    people = [u.name or u.username for u in queries.candidates(task, limit=CANDIDATES_SHOWN + 1)]
    shown = "、".join(people[:CANDIDATES_SHOWN]) + ("…" if len(people) > CANDIDATES_SHOWN else "")
    return f"{names.role(task.lane)}（候选：{shown or '无'}）"


def _startable() -> list[ProcessModelVersion]:
    """Models a person starts (a plain start event) that the user may start (`access.can_start`:
    the start lane's role; no lane or a team lane: the process administrators), shown as 新建
    buttons; P2 and P3 start from messages only."""
    from SpiffWorkflow.bpmn.specs.defaults import StartEvent

    from engine.definitions import specs
    from engine.definitions.deploy import latest_versions
    from engine.moves.runtime import manually_startable
    from engine.work.access import can_start

    result = []
    for version in latest_versions():
        spec = specs.load(version).spec
        if not manually_startable(spec):
            continue
        lane = next((ts.lane for ts in spec.task_specs.values() if isinstance(ts, StartEvent)), None)
        if can_start(current_user, lane):
            result.append(version)
    return result


@bp.post("/start/<key>")
@login_required
def start(key: str):  # noqa: ANN201
    try:
        instance = atomic(lambda: start_process(key, current_user, {}))
    except (Forbidden, NotFound) as err:
        abort(403 if isinstance(err, Forbidden) else 404, str(err))
    except EngineError as err:
        flash(f"无法发起：{err}")
        return redirect(url_for("inbox.todo"))
    mine = [t for t in queries.ready_tasks(instance.id) if t.assignee in (None, current_user.username)]
    if mine:
        return redirect(url_for("tasks.show", task_id=mine[0].id))
    return redirect(url_for("instances.show", instance_id=instance.id))
