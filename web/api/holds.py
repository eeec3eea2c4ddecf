"""暂缓拨款 (P3's payment holds) for the treasury: `GET /payment-holds` lists the holds the caller may
see (国库处 all, a fund division its own, read-only), `POST /payment-holds/{id}/release` releases one
(国库处 only; once — a second release answers the released hold with `changed: false`)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from budget.p3_monitoring import treasury
from engine.base.errors import Forbidden
from web.api import api
from web.api.auth import require_token
from web.api.schemas import _s, always, typed
from web.api.spec import fails
from web.inputs import Input, Line, Text
from web.transactions import atomic


class HoldQuery(Input):
    status = Line(load_default="HELD", validate=validate.OneOf(["HELD", "RELEASED"]),
                  metadata={"description": "HELD 暂缓中（默认）或 RELEASED 已解除"})


class ReleaseInput(Input):
    note = Text(required="请填写解除说明", max_length=500,
                validate=validate.Length(min=5, max=500, error="解除说明须为 5–500 字"),
                metadata={"description": "解除说明"})


@always
class Hold(Schema):
    id = fields.UUID()
    project_code = fields.String()
    project_name = fields.String()
    fiscal_year = fields.Integer()
    dept_code = fields.String()
    unit_code = fields.String()
    reason = fields.String()
    since = typed("string", "date-time")
    hold_until = typed("string", "date")
    decided_by = _s()
    status = fields.String(metadata={"description": "HELD 或 RELEASED"})
    released_by = _s()
    released_at = typed("string", "date-time")
    release_note = _s()


@always
class Released(Hold):
    changed = fields.Boolean(metadata={"description": "false：此前已解除，本次未作改变"})


def _as_dict(row: treasury.Row) -> dict[str, Any]:
    return {k: getattr(row, k) for k in Hold._declared_fields}


@api.get("/payment-holds")
@require_token
@api.arguments(HoldQuery, location="query")
@api.response(200, Hold(many=True))
@fails(403, 422)
def list_holds(query: dict[str, Any]):  # noqa: ANN201
    """暂缓拨款（国库处；资金管理处只读本处）"""
    if not treasury.may_see_holds(g.api_user):
        raise Forbidden("仅国库处和资金管理处可查看暂缓拨款")
    return [_as_dict(r) for r in treasury.holds(g.api_user, query["status"])]


def hold_in_scope(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Under @require_token: a hold the caller may not see is 404 before the body is read."""
    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        treasury.visible_hold(kwargs["id"], g.api_user)
        return fn(*args, **kwargs)
    return checked


@api.post("/payment-holds/<id>/release")
@require_token
@hold_in_scope
@api.arguments(ReleaseInput)
@api.response(200, Released)
@fails(403, 404, 422)
def release_hold(body: dict[str, Any], id: str):  # noqa: ANN201, A002
    """解除暂缓拨款（国库处）"""
    hold, changed = atomic(lambda: treasury.release(id, g.api_user, body["note"]))
    (row,) = [r for r in treasury.holds(g.api_user, "RELEASED") if r.id == hold.id]
    return {**_as_dict(row), "changed": changed}


