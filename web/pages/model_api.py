"""The model editor's JSON routes under /admin/models/… (issue 13 point 2; the contract is
docs/design.md "Model editor (issue 13)"): session-authenticated, administrators only, every
one a thin call into web.model_service, whose /api/v1 twins are web/api/modeler.py."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, jsonify, render_template, request, url_for
from flask_login import current_user

from engine.base.errors import DeploymentError, NotFound
from engine.definitions import expression_check
from engine.definitions.forms_catalog import definitions
from forms import compile_task_form
from web import model_service as service
from web.model_catalogue import MODE_NAMES, catalogue
from web.model_schemas import DraftInput, ExpressionInput, FilesInput, ShapeError, load
from web.pages.admin import admin_required, bp
from web.transactions import atomic


def json_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Errors as the contract writes them: {"errors": [{file, element_id, message}]} with 422, and
    an unknown key as a JSON 404."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (DeploymentError, ShapeError) as err:
            return jsonify(errors=[e.as_dict() for e in err.errors]), 422
        except NotFound as err:
            return jsonify(error="not_found", message=str(err)), 404

    return wrapper


@bp.get("/models/catalogue.json")
@admin_required
def model_catalogue():  # noqa: ANN201
    return jsonify(catalogue())


@bp.get("/models/forms/<key>/preview")
@admin_required
def form_preview(key: str):  # noqa: ANN201
    """The form as its task page draws it, inputs disabled: an HTML fragment for the panel."""
    forms = definitions()
    if key not in forms:
        abort(404)
    mode = request.args.get("mode") or None
    if mode and mode not in (forms[key].get("modes") or []):
        abort(404)
    form = compile_task_form([key], mode, forms)
    return render_template("_form_preview.html", ui=form.ui_for({}), title=forms[key]["title"], mode=mode,
                           mode_name=MODE_NAMES.get(mode or "", mode))


@bp.get("/models/<key>/model.json")
@admin_required
@json_errors
def model_json(key: str):  # noqa: ANN201
    return jsonify(service.model(key))


@bp.post("/models/<key>/validate.json")
@admin_required
@json_errors
def model_validate(key: str):  # noqa: ANN201
    body = load(FilesInput(), request.get_json(silent=True))
    return jsonify(service.validate(key, body["files"]))


@bp.post("/models/check-expression.json")
@admin_required
@json_errors
def check_expression():  # noqa: ANN201
    body = load(ExpressionInput(), request.get_json(silent=True))
    return jsonify(errors=expression_check.check(body["kind"], body["text"]))


@bp.put("/models/<key>/draft.json")
@admin_required
@json_errors
def model_draft_save(key: str):  # noqa: ANN201
    body = load(DraftInput(), request.get_json(silent=True))
    return jsonify(atomic(lambda: service.save_draft(key, body["files"], body["note"], current_user.username)))


@bp.delete("/models/<key>/draft.json")
@admin_required
@json_errors
def model_draft_delete(key: str):  # noqa: ANN201
    atomic(lambda: service.discard_draft(key))
    return "", 204


@bp.post("/models/<key>/deploy.json")
@admin_required
@json_errors
def model_deploy(key: str):  # noqa: ANN201
    body = load(FilesInput(), request.get_json(silent=True))
    version, created = atomic(lambda: service.deploy(key, body["files"], current_user.username))
    return jsonify(service.deployed(version, created, url_for("admin.model_versions", key=key))), 201 if created else 200


@bp.get("/models/<key>/versions.json")
@admin_required
@json_errors
def model_versions_json(key: str):  # noqa: ANN201
    return jsonify(service.versions(key))
