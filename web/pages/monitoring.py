"""预警看板 (/monitoring/warnings, V-05), 双监控 (/monitoring/double, V-06) and the 绩效监控表
download (/monitoring/x03.xlsx, X-03), for the finance divisions, departments and observers, each
within their data scope (budget.monitoring_views)."""
from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from budget.monitoring_views import board as B
from budget.monitoring_views import curves, export_runs, x03
from budget.monitoring_views.export import write_x03
from budget.shared.export_runs import NOT_FOUND as EXPORT_NOT_FOUND
from budget.shared.export_runs import mine as own_export
from budget.shared.helpers import today
from engine.base.db import db
from engine.base.errors import NotFound
from engine.base.models import Attachment
from engine.base.paging import Page
from engine.work.access import is_admin
from web.downloads import attachment_response
from web.inputs import query_int
from web.labels import labels
from web.paging import page_args
from web.transactions import atomic

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")
VIEWERS = {"FIN_FUND", "FIN_PERF", "FIN_BUDGET", "FIN_LEADER", "FIN_TREASURY", "FIN_CENTER", "DEPT_OFFICER",
           "DEPT_HEAD", "OBS_NPC", "OBS_AUDIT", "OBS_OTHER"}


def may_view(user: Any) -> bool:
    return bool(user.role_codes() & VIEWERS) or is_admin(user)


def _year_month(default_month: int | None = None) -> tuple[int, int]:
    """The year and month asked for; else the newest month with data in the viewer's scope."""
    year = query_int(request.args.get("year"), 2000, 2100)
    month = query_int(request.args.get("month"), 1, 12)
    latest = B.latest_month(current_user, year)
    if year is None:
        year = latest[0] if latest else today().year
    if month is None:
        month = latest[1] if latest else 1
        if default_month is not None:
            month = min(month, default_month)
    return year, month


def _text(name: str) -> str:
    return request.args.get(name, "").strip()[:40]


@bp.get("/warnings")
@login_required
def warnings():  # noqa: ANN201
    if not may_view(current_user):
        abort(403)
    year, month = _year_month()
    level = _text("level") if _text("level") in ("RED", "YELLOW") else ""
    f = B.WarningFilters(year=year, month=month, dept=_text("dept"), level=level, key_only=bool(_text("key")))
    found = B.board(current_user, f, *page_args(), today())
    for row in found.items:
        row["spark"] = sparkline(row["series"])
    trend = month_trend(current_user, f)
    return render_template("monitoring_warnings.html", found=found, rows=found.items, f=f,
                           filters={"dept": f.dept, "level": level, "key": _text("key")},
                           chart=json.dumps(trend, ensure_ascii=False), today=today())


@bp.get("/double")
@login_required
def double():  # noqa: ANN201
    if not may_view(current_user):
        abort(403)
    year, month = _year_month(x03.DEFAULT_MONTH)
    dept, code = _text("dept"), _text("project")
    depts = curves.department_curves(current_user, year, dept)
    projects = curves.project_curves(current_user, year, dept, code, limit=50) if (dept or code) else []
    f = x03.X03Filters(year=year, month=month, dept=dept, project_code=code)
    page, per_page = page_args()
    total = x03.x03_count(current_user, f)
    table = x03.x03_rows(current_user, f, per_page, (page - 1) * per_page)
    found = Page(table, total, page, per_page)
    return render_template(
        "monitoring_double.html", year=year, month=month, filters={"dept": dept, "project": code},
        depts=depts, projects=projects, found=found, rows=table,
        keys=curves.key_monitoring(current_user, year, dept), sync_limit=export_runs.SYNC_LIMIT,
        dept_chart=json.dumps(_chart_of(depts, "dept_name"), ensure_ascii=False),
        project_chart=json.dumps(_chart_of(projects, "name"), ensure_ascii=False) if projects else "")


def _x03_filters(args: Any) -> x03.X03Filters:
    year, month = _year_month(x03.DEFAULT_MONTH)
    year = query_int(args.get("year"), 2000, 2100) or year
    month = query_int(args.get("month"), 1, 12) or month
    return x03.X03Filters(year=year, month=month, dept=(args.get("dept") or "").strip()[:40],
                          project_code=(args.get("project") or "").strip()[:40])


def _scope_text(f: x03.X03Filters, total: int) -> str:
    where = labels().org(f.dept) if f.dept else "全部主管部门（我的数据范围）"
    return f"范围：{where}{('、' + f.project_code) if f.project_code else ''}；共 {total} 个项目；导出日期 {today()}"


@bp.get("/x03.xlsx")
@login_required
def x03_download():  # noqa: ANN201
    """Up to SYNC_LIMIT project-years: the file at once; more: a page offering the background export."""
    if not may_view(current_user):
        abort(403)
    f = _x03_filters(request.args)
    total = x03.x03_count(current_user, f)
    if total > export_runs.SYNC_LIMIT:
        return render_template("monitoring_export.html", run=None, f=f, total=total, limit=export_runs.SYNC_LIMIT)
    body = write_x03(x03.x03_all(current_user, f), f.year, f.month, _scope_text(f, total))
    return send_file(io.BytesIO(body), as_attachment=True, download_name=export_runs.file_name(f), max_age=0,
                     mimetype=export_runs.XLSX)


@bp.post("/x03-exports")
@login_required
def x03_export_start():  # noqa: ANN201
    if not may_view(current_user):
        abort(403)
    f = _x03_filters(request.form)
    run = atomic(lambda: export_runs.start(current_user, f, _scope_text(f, x03.x03_count(current_user, f))))
    return redirect(url_for("monitoring.x03_export", id=run.id))


@bp.get("/x03-exports/<id>")
@login_required
def x03_export(id: str):  # noqa: ANN201
    try:
        run = own_export(id[:40], current_user)
    except NotFound:
        return render_template("error.html", title="页面不存在", message=EXPORT_NOT_FOUND, code=404), 404
    return render_template("monitoring_export.html", run=run, f=None, total=run.total, limit=export_runs.SYNC_LIMIT)


@bp.get("/x03-exports/<id>/file")
@login_required
def x03_export_file(id: str):  # noqa: ANN201
    try:
        run = own_export(id[:40], current_user)
    except NotFound:
        return render_template("error.html", title="页面不存在", message=EXPORT_NOT_FOUND, code=404), 404
    if run.status != "DONE" or run.attachment_id is None:
        return redirect(url_for("monitoring.x03_export", id=run.id))
    return attachment_response(db.session.get(Attachment, run.attachment_id))


def sparkline(series: list[dict[str, Any]], width: int = 120, height: int = 30) -> dict[str, str]:
    """SVG polyline points for the execution and time-progress lines over 12 months (0–100 %)."""
    def points(key: str) -> str:
        return " ".join(f"{(p['month'] - 1) * width / 11:.1f},{height - min(float(p[key]), 100) * height / 100:.1f}"
                        for p in series)
    last = series[-1] if series else None
    title = (f"{last['month']}月：执行率 {last['exec_rate']}%，时间进度 {last['time_progress']}%" if last else "无数据")
    return {"exec": points("exec_rate"), "time": points("time_progress"), "title": title}


def month_trend(user: Any, f: B.WarningFilters) -> dict[str, Any]:
    """Counts of RED and YELLOW warnings per month of the year (the board's bar chart)."""
    counts = B.month_counts(user, f.year, f.dept)
    months = list(range(1, 13))
    return {"kind": "bars", "categories": [f"{m}月" for m in months],
            "series": [{"name": "红色预警", "color": "#dc3545", "data": [counts.get((m, "RED"), 0) for m in months]},
                       {"name": "黄色预警", "color": "#f0ad00", "data": [counts.get((m, "YELLOW"), 0) for m in months]}]}


def _chart_of(curves_: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """Line chart data: one execution line per curve and the time-progress line, months 1–12."""
    def by_month(c: dict[str, Any], key: str) -> list[float | None]:
        values = dict(zip(c["months"], c[key], strict=True))
        return [_num(values.get(m)) for m in range(1, 13)]
    progress = next((by_month(c, "time_progress") for c in curves_), [None] * 12)
    return {"kind": "lines", "categories": [f"{m}月" for m in range(1, 13)],
            "series": [{"name": "时间进度", "dashed": True, "color": "#6c757d", "data": progress}]
            + [{"name": c[label], "data": by_month(c, "exec_rate")} for c in curves_[:12]]}


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)

