"""Engine errors → HTTP statuses with JSON bodies; never a 500 for a caller's mistake."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.exceptions import HTTPException

from engine.base.db import db
from engine.base.errors import Conflict, DeploymentError, Forbidden, Incident, NotFound, ValidationFailed
from engine.moves.interactions import RateLimited
from web.api import api


@api.errorhandler(ValidationFailed)
def _validation(err: ValidationFailed):  # noqa: ANN202
    db.session.rollback()
    return jsonify(errors=err.errors), 422


@api.errorhandler(DeploymentError)
def _deployment(err: DeploymentError):  # noqa: ANN202
    db.session.rollback()
    return jsonify(errors=[e.as_dict() for e in err.errors]), 400


@api.errorhandler(Forbidden)
def _forbidden(err: Forbidden):  # noqa: ANN202
    db.session.rollback()
    return jsonify(error="forbidden", message=str(err)), 403


@api.errorhandler(NotFound)
def _not_found(err: NotFound):  # noqa: ANN202
    db.session.rollback()
    return jsonify(error="not_found", message=str(err)), 404


@api.errorhandler(Conflict)
def _conflict(err: Conflict):  # noqa: ANN202
    db.session.rollback()
    return jsonify(error="conflict", message=str(err)), 409


@api.errorhandler(RateLimited)
def _rate_limited(err: RateLimited):  # noqa: ANN202
    db.session.rollback()
    return jsonify(error="too_many_requests", message=str(err)), 429


@api.errorhandler(Incident)
def _incident(err: Incident):  # noqa: ANN202
    from web.transactions import record_incident

    record_incident(err)
    return jsonify(errors={"_process": [str(err)]}), 422


@api.errorhandler(HTTPException)
def _http(err: HTTPException):  # noqa: ANN202
    messages = (getattr(err, "data", None) or {}).get("messages")
    if err.code == 422 and messages is not None:  # a request schema refused the input (webargs)
        return jsonify(errors=field_errors(messages)), 422
    return jsonify(error=err.name.lower().replace(" ", "_"), message=err.description), err.code


def field_errors(messages: dict[str, Any]) -> dict[str, list[str]]:
    """webargs' {location: {field: {index: [...]}}} → {"field.index": [...]}, the contract's shape;
    a body that is no object is `_body`."""
    flat: dict[str, list[str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                name = "_body" if key == "_schema" else str(key)
                walk(value, f"{path}.{name}" if path else name)
        else:
            flat.setdefault(path or "_body", []).extend(node if isinstance(node, list) else [str(node)])

    for located in messages.values():
        walk(located, "")
    return flat
