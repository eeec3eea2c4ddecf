"""The people pickers' search for signed-in pages (the API's is GET /api/v1/people, same search)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from web import people

bp = Blueprint("people", __name__)


@bp.get("/people/options")
@login_required
def options():  # noqa: ANN201
    """What a picker shows as one types: `?q=` (name, username, unit, role), `role=`, `department=`."""
    found = people.search(current_user, request.args.get("q", "")[:80], request.args.get("role") or None,
                          request.args.get("department") or None, limit=20)
    return jsonify([p.as_dict() for p in found])
