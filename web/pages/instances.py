"""The instance page: status, current steps, who may act, the timeline."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from engine.errors import NotFound
from web.api.models import visible_instance
from web.presenters import instance_json

bp = Blueprint("instances", __name__, url_prefix="/instances")


@bp.get("/<instance_id>")
@login_required
def show(instance_id: str):  # noqa: ANN201
    try:
        instance = visible_instance(instance_id, current_user)
    except NotFound:
        return render_template("error.html", message="流程实例不存在或您无权查看"), 404
    return render_template("instance.html", i=instance_json(instance))
