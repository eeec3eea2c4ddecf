"""JSON API under /api/v1, the same permissions as the pages (docs/design.md). The routes are a
flask-smorest blueprint, so the OpenAPI document is generated from them (web/api/spec.py)."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict


class _Parser(FlaskParser):
    """Adds `multipart`: a form's fields and files read as one (an upload with its links)."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Any, schema: Any) -> Any:
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}


api = ApiBlueprint("api", __name__, url_prefix="/api/v1")

from web.api import (  # noqa: E402, F401
    auth,
    diagram,
    errors,
    execution,
    holds,
    interventions,
    ledgers,
    lists,
    messages,
    modeler,
    models,
    monitoring,
    notification_settings,
    operations,
    people,
    projects,
    queue_admin,
    rect_sources,
    rules,
    tasks,
    versions,
)
