"""P1 service tasks on the project record: status changes and entering the library (processes
§5.3 rows 3, 10, 14, 15)."""
from __future__ import annotations

from decimal import Decimal

from budget.calc.money import annual_need_yuan, wan_to_yuan
from budget.shared.lookups import project_id_of, project_of, project_year, request_year, username
from budget.shared.status import change_library_status, set_library_status
from engine.base import hooks
from engine.base.hooks import ServiceContext


@hooks.service("project.set_status")
def set_status(ctx: ServiceContext, status: str) -> dict[str, str]:
    set_library_status(project_id_of(ctx.data), status, username(ctx.actor))
    return {"library_status": status}


@hooks.service("project.enter_library")
def enter_library(ctx: ServiceContext) -> dict[str, str]:
    """入库: IN_LIBRARY, and the ex-ante recommended amounts per year (the request itself is not
    overwritten; P2's arrangement applies the recommendation, processes §5.3 row 14)."""
    project = project_of(ctx.data, lock=True)
    actor = username(ctx.actor)
    change_library_status(project, "IN_LIBRARY", actor)
    recommended = annual_need_yuan(ctx.data.get("annual_need"))
    if ctx.data.get("recommended_amount") is not None:
        recommended[str(request_year(ctx.data))] = str(wan_to_yuan(ctx.data["recommended_amount"]))
    for year, amount in recommended.items():
        py = project_year(project, int(year), actor=actor)
        py.exante_recommended = Decimal(amount)
    return {"library_status": project.library_status}
