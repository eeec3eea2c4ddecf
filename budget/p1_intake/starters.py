"""The P1 starter: what a new `p1_project_intake` instance begins with."""
from __future__ import annotations

from typing import Any

from budget.p1_intake.intake import CodeRefused, new_request
from engine.base import hooks
from engine.base.errors import Forbidden, ValidationFailed
from engine.base.identity import User


@hooks.starter("p1_project_intake")
def start_p1(actor: User, data: dict[str, Any]) -> hooks.StartSpec:
    """A P1 request starts as a DRAFT project with a code, so the instance has a business key
    and the unit's data scope from the first step. `project_code` (optional): an existing code
    for a project imported from elsewhere (validated in `explicit_code`)."""
    year = data.get("request_year")
    if year is not None and not str(year).isdigit():
        raise ValidationFailed({"request_year": ["申报年度须为四位年份"]})
    try:
        req = new_request(actor, data.get("unit_code"), int(year) if year else None, bool(data.get("in_year")),
                          code=data.get("project_code") or None)
    except PermissionError as err:
        raise Forbidden(str(err)) from None
    except CodeRefused as err:
        raise ValidationFailed({"project_code": [str(err)]}) from None
    except ValueError as err:
        raise ValidationFailed({"unit_code": [str(err)]}) from None
    return hooks.StartSpec(
        data=req["data"], business_key=req["business_key"], title=req["title"],
        scope={"unit": req["scope_unit"], "dept": req["scope_dept"], "division": req["scope_division"]},
        year=req["data"]["request_year"],
    )
