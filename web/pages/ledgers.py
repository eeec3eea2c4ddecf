"""工作台账 (/ledgers/work, V-02), 逾期清单 (/ledgers/overdue, V-04, with 催办 and bulk 催办) and
整改台账 (/ledgers/rectification, V-10), each as of a day (`as_of`, default today), within the
viewer's data scope, paged, and exportable (V-02/V-04 with their columns, V-10 as X-05)."""
from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from budget.ledgers import runs, urging
from budget.ledgers.asof import AsOf
from budget.ledgers.deliverables import DELIVERABLE_ZH, SOURCES, name
from budget.ledgers.overdue import STAGE_ZH, overdue_page
from budget.ledgers.rectification import CASE_STATUS_ZH, SOURCE_ZH, CaseFilters, cases_page
from budget.ledgers.work import STATUS_ZH, STATUSES, LedgerFilters, ledger_page
from budget.shared.export_runs import NOT_FOUND as EXPORT_NOT_FOUND
from budget.shared.export_runs import mine as own_export
from budget.shared.helpers import today
from engine.base.db import db
from engine.base.errors import NotFound
from engine.base.models import Attachment
from engine.work.access import is_admin, read_only
from web.downloads import attachment_response
from web.inputs import query_int
from web.labels import labels
from web.paging import page_args
from web.transactions import atomic

bp = Blueprint("ledgers", __name__, url_prefix="/ledgers")
FIN = {"FIN_FUND", "FIN_PERF", "FIN_BUDGET", "FIN_LEADER", "FIN_TREASURY", "FIN_CENTER"}
DEPT = {"DEPT_OFFICER", "DEPT_HEAD"}
OBS = {"OBS_NPC", "OBS_AUDIT", "OBS_OTHER"}
VIEWERS = {"work": FIN | DEPT | OBS, "overdue": {"FIN_PERF", "DEPT_OFFICER", "DEPT_HEAD"},
           "rectification": {"FIN_PERF", "FIN_FUND", "FIN_LEADER"} | DEPT | {"OBS_AUDIT"}}
KIND_OF = {"work": "V02", "overdue": "V04", "rectification": "X05"}
PAGE_OF = {v: k for k, v in KIND_OF.items()}


def may_view(user: Any, ledger: str) -> bool:
    return bool(user.role_codes() & VIEWERS[ledger]) or is_admin(user)


def _guard(ledger: str) -> None:
    if not may_view(current_user, ledger):
        abort(403)


def _as_of(args: Any) -> date:
    """`as_of` (YYYY-MM-DD), today when missing or unreadable (the page says which day it shows)."""
    try:
        return date.fromisoformat((args.get("as_of") or "").strip()[:10])
    except ValueError:
        return today()


def _text(args: Any, key: str) -> str:
    return (args.get(key) or "").strip()[:40]


def _params(args: Any) -> dict[str, Any]:
    return {"as_of": _as_of(args).isoformat(), "year": query_int(args.get("year"), 2000, 2100),
            "dept": _text(args, "dept"), "status": _text(args, "status"), "source": _text(args, "source"),
            "deliverable": _text(args, "deliverable"), "today": today().isoformat()}


def _ledger_filters(p: dict[str, Any], overdue: bool = False) -> LedgerFilters:
    status = p["status"] if p["status"] in STATUSES else ""
    return LedgerFilters(year=p["year"], dept=p["dept"], status="OVERDUE" if overdue else status,
                         source=p["source"] if p["source"] in SOURCES else "",
                         deliverable=p["deliverable"] if p["deliverable"] in DELIVERABLE_ZH else "")


def _scope_text(p: dict[str, Any], total: int, unit: str) -> str:
    where = labels().org(p["dept"]) if p["dept"] else "全部主管部门（我的数据范围）"
    return f"范围：{where}；截至 {p['as_of']}；共 {total} {unit}；导出日期 {today()}"


def _common(p: dict[str, Any]) -> dict[str, Any]:
    return {"p": p, "deliverable_name": name, "deliverables": DELIVERABLE_ZH, "sources": SOURCES,
            "statuses": STATUS_ZH, "stages": STAGE_ZH, "sync_limit": runs.SYNC_LIMIT}


@bp.get("/work")
@login_required
def work():  # noqa: ANN201
    _guard("work")
    p = _params(request.args)
    found = ledger_page(current_user, AsOf(date.fromisoformat(p["as_of"])), _ledger_filters(p), *page_args())
    return render_template("ledger_work.html", found=found, rows=found.items, **_common(p))


@bp.get("/overdue")
@login_required
def overdue():  # noqa: ANN201
    _guard("overdue")
    p = _params(request.args)
    found = overdue_page(current_user, AsOf(date.fromisoformat(p["as_of"])), _ledger_filters(p, True), *page_args())
    return render_template("ledger_overdue.html", found=found, rows=found.items, may_urge=not read_only(current_user),
                           queue_above=urging.QUEUE_ABOVE, **_common(p))


@bp.post("/overdue/urge")
@login_required
def urge():  # noqa: ANN201
    """催办 of one row or of the selected rows; more than QUEUE_ABOVE go to the queue."""
    _guard("overdue")
    ids = []
    for value in request.form.getlist("instance")[:2000]:
        try:
            ids.append(uuid.UUID(value[:40]))
        except ValueError:
            continue
    back = request.form.get("back") or url_for("ledgers.overdue")
    if not back.startswith("/ledgers/"):
        back = url_for("ledgers.overdue")
    if not ids:
        flash("请先选择要催办的事项")
        return redirect(back)
    message = (request.form.get("message") or "").strip()[:500]
    if len(dict.fromkeys(ids)) > urging.QUEUE_ABOVE:
        run = atomic(lambda: urging.start(ids, current_user, message))
        return redirect(url_for("ledgers.run", id=run.id))
    results = atomic(lambda: urging.urge_many(ids, current_user, message))
    flash(_urge_summary(results))
    return redirect(back)


def _urge_summary(results: list[dict[str, Any]]) -> str:
    reached = list(dict.fromkeys(p for r in results for p in r.get("to", [])))
    refused = [r["error"] for r in results if r.get("error")]
    text = f"已催办 {sum(1 for r in results if 'to' in r)} 项，送达：{labels().people(reached) or '无'}"
    return text + (f"；未催办 {len(refused)} 项（{'；'.join(dict.fromkeys(refused))}）" if refused else "")


@bp.get("/rectification")
@login_required
def rectification():  # noqa: ANN201
    _guard("rectification")
    p = _params(request.args)
    f = CaseFilters(year=p["year"], dept=p["dept"], status=p["status"] if p["status"] in CASE_STATUS_ZH else "",
                    source=p["source"] if p["source"] in SOURCE_ZH else "")
    found = cases_page(current_user, AsOf(date.fromisoformat(p["as_of"])), f, *page_args(), today())
    return render_template("ledger_rectification.html", found=found, rows=found.items, case_statuses=CASE_STATUS_ZH,
                           case_sources=SOURCE_ZH, **_common(p))


@bp.get("/<ledger>.xlsx")
@login_required
def download(ledger: str):  # noqa: ANN201
    """Up to SYNC_LIMIT rows (cases for X-05): the file at once; more: the background export's offer."""
    if ledger not in KIND_OF:
        abort(404)
    _guard(ledger)
    kind, p = KIND_OF[ledger], _params(request.args)
    total = runs.count(kind, current_user, p)
    p["scope_text"] = _scope_text(p, total, "个整改事项" if kind == "X05" else "项")
    if total > runs.SYNC_LIMIT:
        return render_template("ledger_run.html", run=None, p=p, kind=kind, ledger=ledger, total=total,
                               limit=runs.SYNC_LIMIT, title=runs.TITLES[kind])
    body = runs.build(kind, current_user, p)
    return send_file(io.BytesIO(body), as_attachment=True, download_name=runs.file_name(kind, p), max_age=0,
                     mimetype=runs.XLSX)


@bp.post("/<ledger>/exports")
@login_required
def export_start(ledger: str):  # noqa: ANN201
    if ledger not in KIND_OF:
        abort(404)
    _guard(ledger)
    kind, p = KIND_OF[ledger], _params(request.form)
    run = atomic(lambda: runs.start(kind, current_user, {
        **p, "scope_text": _scope_text(p, runs.count(kind, current_user, p), "项")}))
    return redirect(url_for("ledgers.run", id=run.id))


@bp.get("/runs/<id>")
@login_required
def run(id: str):  # noqa: ANN201
    try:
        found = own_export(id[:40], current_user)
    except NotFound:
        return render_template("error.html", title="页面不存在", message=EXPORT_NOT_FOUND, code=404), 404
    title = "批量催办" if found.kind == "URGE" else runs.TITLES[found.kind]
    summary = _urge_summary(found.outcome["results"]) if found.kind == "URGE" and found.status == "DONE" else ""
    return render_template("ledger_run.html", run=found, title=title, summary=summary, total=found.total,
                           limit=runs.SYNC_LIMIT, ledger=PAGE_OF.get(found.kind, "overdue"))


@bp.get("/runs/<id>/file")
@login_required
def run_file(id: str):  # noqa: ANN201
    try:
        found = own_export(id[:40], current_user)
    except NotFound:
        return render_template("error.html", title="页面不存在", message=EXPORT_NOT_FOUND, code=404), 404
    if found.status != "DONE" or found.attachment_id is None:
        return redirect(url_for("ledgers.run", id=found.id))
    return attachment_response(db.session.get(Attachment, found.attachment_id))
