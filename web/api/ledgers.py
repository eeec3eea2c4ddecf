"""`GET /api/v1/ledger` (工作台账 V-02) and `GET /api/v1/rectification-cases` (整改台账 V-10 with
their issues): the pages' rows, as of a day, within the caller's data scope (nothing outside it is
listed), paged with X-Total-Count."""
from __future__ import annotations

from typing import Any

from flask import g

from budget.ledgers.asof import AsOf
from budget.ledgers.deliverables import SOURCES, name
from budget.ledgers.rectification import CaseFilters, cases_page
from budget.ledgers.work import STATUS_ZH, LedgerFilters, ledger_page
from budget.shared.helpers import today
from web.api import api
from web.api import ledger_schemas as out
from web.api.auth import require_token
from web.api.common import TOTAL, page_reply
from web.api.spec import fails
from web.labels import labels


@api.get("/ledger")
@require_token
@api.arguments(out.LedgerQuery, location="query")
@api.response(200, out.LedgerRow(many=True), headers=TOTAL)
@fails(422)
def ledger(query: dict[str, Any]):  # noqa: ANN201
    """工作台账（我的数据范围内）：截至某日各事项的截止日期、提交时间、状态与逾期天数，按主管部门排列，分页"""
    f = LedgerFilters(year=query.get("year"), dept=query.get("department") or "", status=query.get("status") or "",
                      source=query.get("source") or "", deliverable=query.get("deliverable") or "")
    found = ledger_page(g.api_user, AsOf(query.get("as_of") or today()), f, query["page"], query["per_page"])
    L = labels()
    return page_reply(found, [{
        **r, "department": r["dept_code"], "department_name": r["dept_name"], "source_name": SOURCES.get(r["source"]),
        "deliverable_name": name(r["deliverable"], r["due"]), "responsible_name": L.person(r["responsible"]),
        "status_name": STATUS_ZH[r["status"]]} for r in found.items])


@api.get("/rectification-cases")
@require_token
@api.arguments(out.CaseQuery, location="query")
@api.response(200, out.RectificationCaseOut(many=True), headers=TOTAL)
@fails(422)
def rectification_cases(query: dict[str, Any]):  # noqa: ANN201
    """整改台账（我的数据范围内）：截至某日的整改事项及其问题清单、期限、状态、逾期天数、回头看安排与结果，分页"""
    f = CaseFilters(year=query.get("year"), dept=query.get("department") or "", status=query.get("status") or "",
                    source=query.get("source") or "")
    found = cases_page(g.api_user, AsOf(query.get("as_of") or today()), f, query["page"], query["per_page"], today())
    L = labels()
    return page_reply(found, [{
        **c, "department": c["dept_code"], "department_name": c["dept_name"],
        "issues": [{**i, "owner_name": L.person(i["owner"])} for i in c["issues"]]} for c in found.items])
