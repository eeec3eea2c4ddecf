"""执行数据 (/execution): the treasury's monthly cumulative payments come in by Excel — the
template to download, the upload (queued: budget.execution.imports checks every row, then writes
in chunks and makes the file current at once), each import's progress bar, its row errors and its
corrections (更正, both figures). Treasury, budget division and system administrators."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from budget import execution
from budget.execution import imports, views, workbook
from budget.shared.helpers import TZ
from web.pages.outcome import attempt, flash_failure

bp = Blueprint("execution", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _guard() -> None:
    if not execution.may_write(current_user):
        abort(403)


def _render(errors: dict[str, list[str]] | None = None, status: int = 200):  # noqa: ANN202
    recent = views.recent()
    return render_template("execution.html", recent=recent, watch=any(r["watch"] for r in recent),
                           errors=errors or {}, limits={"mb": imports.FILE_MAX_BYTES // (1024 * 1024),
                                                        "rows": imports.ROWS_MAX}), status


@bp.get("/execution")
@login_required
def index():  # noqa: ANN201
    _guard()
    return _render()


@bp.get("/execution/template.xlsx")
@login_required
def template():  # noqa: ANN201
    _guard()
    response = send_file(io.BytesIO(workbook.template()), mimetype=XLSX, as_attachment=True,
                         download_name="执行数据导入模板.xlsx", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/execution/upload")
@login_required
def upload():  # noqa: ANN201
    _guard()
    file = request.files.get("file")
    outcome = attempt(lambda: imports.submit(file.filename if file else "", file.read() if file else b"",
                                             current_user.username))
    if outcome.errors is not None:
        flash("未导入：" + "；".join(outcome.messages()), "error")
        return _render(outcome.errors, 422)
    if not outcome.ok:
        flash_failure("导入", outcome)
        return redirect(url_for("execution.index"))
    imp, fresh = outcome.value
    if fresh:
        flash(f"已收到「{imp.filename}」，正在逐行检查，全部通过后写入")
    else:
        flash(f"该文件（内容相同）已于 {imp.created_at.astimezone(TZ):%Y-%m-%d %H:%M} 上传过，未重复导入", "error")
    return redirect(url_for("execution.detail", import_id=imp.id))


@bp.get("/execution/imports/<import_id>")
@login_required
def detail(import_id: str):  # noqa: ANN201
    _guard()
    imp = views.find(import_id)
    if imp is None:
        abort(404)
    return render_template("execution_import.html", p=views.progress(imp), imp=imp,
                           corrections=views.corrections(imp))
