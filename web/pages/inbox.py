"""待办 / 已办 / 我发起的, and starting a new request."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine import inbox as queries
from engine.errors import EngineError, Forbidden, NotFound
from engine.models import ProcessModelVersion
from engine.runtime import start_process
from web.presenters import task_json
from web.transactions import atomic

bp = Blueprint("inbox", __name__)

FILTERS = ("process_key", "business_key", "year", "dept", "task_name")


@bp.get("/")
@login_required
def home():  # noqa: ANN201
    return redirect(url_for("inbox.todo"))


@bp.get("/todo")
@login_required
def todo():  # noqa: ANN201
    filters = {k: request.args.get(k, "").strip() for k in FILTERS}
    if filters["year"] and not filters["year"].isdigit():
        flash("年度须为数字")
        filters["year"] = ""
    tasks = [task_json(t) for t in queries.todo(current_user, filters, limit=100)]
    return render_template("todo.html", tasks=tasks, filters=filters, startable=_startable())


@bp.get("/done")
@login_required
def done():  # noqa: ANN201
    return render_template("done.html", tasks=[task_json(t) for t in queries.done(current_user, limit=100)])


@bp.get("/started")
@login_required
def started():  # noqa: ANN201
    rows = [(i, queries.ready_tasks(i.id)) for i in queries.started_by(current_user, limit=100)]
    return render_template("started.html", rows=rows)


def _startable() -> list[ProcessModelVersion]:
    """Models whose start lane is one of the user's roles (shown as 新建 buttons)."""
    from SpiffWorkflow.bpmn.specs.defaults import StartEvent

    from engine import specs
    from engine.access import can_start
    from engine.deploy import latest_versions

    result = []
    for version in latest_versions():
        spec = specs.load(version).spec
        lane = next((ts.lane for ts in spec.task_specs.values() if isinstance(ts, StartEvent)), None)
        if lane and can_start(current_user, lane):
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
