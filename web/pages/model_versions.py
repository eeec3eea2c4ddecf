"""The model's versions, the comparison of two of them and a new model from a template (issue 13
point 2): server-rendered pages for administrators, next to 模型管理 (web/pages/admin.py)."""
from __future__ import annotations

from flask import abort, redirect, render_template, request
from flask_login import current_user

from engine.base.errors import NotFound, ValidationFailed
from engine.definitions import drafts, model_templates
from engine.definitions.deploy import active_version_id
from engine.views.model_compare import compare
from web import model_service as service
from web.labels import labels
from web.model_catalogue import property_label
from web.pages.admin import admin_required, bp
from web.transactions import atomic


@bp.get("/models/<key>/versions")
@admin_required
def model_versions(key: str):  # noqa: ANN201
    try:
        rows = service.version_rows(key)
    except NotFound:
        abort(404)
    newest = rows[0].version if rows else None
    return render_template("admin_model_versions.html", key=key, name=rows[0].name if rows else key, rows=rows,
                           active=active_version_id(key), draft=drafts.get(key),
                           pick_from=rows[1].version if len(rows) > 1 else newest, pick_to=newest)


@bp.get("/models/<key>/compare")
@admin_required
def model_compare(key: str):  # noqa: ANN201
    try:
        before = service.version_of(key, request.args.get("from", type=int) or 0)
        after = service.version_of(key, request.args.get("to", type=int) or 0)
    except NotFound:
        abort(404)
    result = compare(before.files, after.files)
    return render_template("admin_model_compare.html", key=key, before=before, after=after, result=result,
                           names=labels(), property_label=property_label)


@bp.route("/models/new", methods=["GET", "POST"])
@admin_required
def model_new():  # noqa: ANN201
    choices = model_templates.available(service.templates_dir())
    values = {"key": "", "name": "", "template": choices[0].code if choices else ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in values}
        try:
            atomic(lambda: service.new_model(values, current_user.username))
            return redirect(service.editor_url(values["key"]))
        except ValidationFailed as err:
            errors = err.errors
    return render_template("admin_model_new.html", templates=choices, values=values, errors=errors), \
        422 if errors else 200
