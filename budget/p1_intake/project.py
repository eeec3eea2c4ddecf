"""P1 service tasks on the project record: status changes and entering the library (processes
§5.3 rows 3, 10, 14, 15)."""
from __future__ import annotations

from decimal import Decimal

from budget.calc.money import annual_need_yuan, wan_to_yuan
from budget.shared.lookups import project_id_of, project_of, project_year, request_year, username
from budget.shared.status import change_library_status, set_library_status
from engine.base import hooks
from engine.base.db import utcnow
from engine.base.hooks import ServiceContext


@hooks.service("project.set_status", params={"status": "项目库状态"})
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


@hooks.service("project.record_classification", params={
    "is_major": "是否重大项目", "is_key": "是否重点项目", "fiscal_key": "是否财政重点评价", "dept_exante": "是否部门事前评估",
    "fiscal_exante": "财政事前评估方式", "exante_reasons": "开展事前评估的原因", "dt05_rows": "DT-05 命中的规则行",
    "dt01_rows": "DT-01 命中的规则行", "packs": "指标包"})
def record_classification(ctx: ServiceContext, is_major: bool, is_key: bool, fiscal_key: bool,
                          dept_exante: bool, fiscal_exante: str, exante_reasons: list[str] | None = None,
                          dt05_rows: list[str] | None = None, dt01_rows: list[str] | None = None,
                          packs: list[str] | None = None) -> None:
    """The request year's classification as DT-05/DT-01 decided it, with the rule rows that did:
    P2's routing and P3's key monitoring read it from the record (decided again on resubmission)."""
    project = project_of(ctx.data, lock=True)
    actor = username(ctx.actor)
    row = project_year(project, request_year(ctx.data), actor=actor)
    row.is_major, row.is_key, row.fiscal_key = bool(is_major), bool(is_key), bool(fiscal_key)
    row.classification = {
        "dt05_rows": list(dt05_rows or []), "dt01_rows": list(dt01_rows or []),
        "dept_exante": bool(dept_exante), "fiscal_exante": fiscal_exante,
        "exante_reasons": list(exante_reasons or []), "packs": list(packs or []),
        "decided_at": utcnow().isoformat(timespec="seconds"), "instance_id": str(ctx.instance.id),
    }
    row.updated_by = actor
