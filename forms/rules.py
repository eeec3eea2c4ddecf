"""Named cross-field validators a definition lists under `rules` (Block) or `warnings` (Warn).

A rule gets the clean data (only fields that passed their own checks), the process context,
the mode and the error map; it stays quiet about fields that already have errors so one
mistake yields one message."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from forms.computed import grade_for
from forms.ctx import Ctx
from forms.errors import Errors
from forms.messages import fmt

Rule = Callable[[dict[str, Any], Ctx, "str | None", Errors], None]
Warning_ = Callable[[dict[str, Any], Ctx], list[str]]
RULES: dict[str, Rule] = {}
WARNINGS: dict[str, Warning_] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def deco(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return deco


def warning(name: str) -> Callable[[Warning_], Warning_]:
    def deco(fn: Warning_) -> Warning_:
        WARNINGS[name] = fn
        return fn

    return deco


def _rows(clean: dict[str, Any], name: str, errors: Errors) -> list[dict] | None:
    rows = clean.get(name)
    return None if rows is None or errors.has(name) else rows


def _duplicates(rows: list[dict], key: str, path: str, errors: Errors, what: str) -> None:
    seen: set[Any] = set()
    for i, row in enumerate(rows):
        value = row.get(key)
        if value is None:
            continue
        if value in seen:
            errors.add(f"{path}.{i}.{key}", f"{what}“{value}”重复")
        seen.add(value)


@rule("project_years")
def project_years(clean: dict[str, Any], ctx: Ctx, mode: str | None, errors: Errors) -> None:
    """F-01: start ≤ end, end − start ≤ 9, NEW starts ≥ current year − 1, policy expiry ≥ start."""
    start, end = clean.get("start_year"), clean.get("end_year")
    if start is not None and end is not None:
        if end < start:
            errors.add("end_year", f"结束年度不能早于开始年度 {start}")
        elif end - start > 9:
            errors.add("end_year", "项目周期不能超过 10 年（结束年度 − 开始年度 ≤ 9）")
    if start is not None and clean.get("new_or_continuing") == "NEW" and start < ctx.current_year - 1:
        errors.add("start_year", f"新增项目的开始年度不能早于 {ctx.current_year - 1}")
    expiry = clean.get("policy_expiry_year")
    if expiry is not None and start is not None and expiry < start:
        errors.add("policy_expiry_year", f"政策到期年度不能早于开始年度 {start}")


@rule("annual_requests")
def annual_requests(clean: dict[str, Any], ctx: Ctx, mode: str | None, errors: Errors) -> None:
    """F-01: years within [start, end], one row per year, request-year fiscal amount > 0."""
    rows = _rows(clean, "annual_requests", errors)
    if rows is None:
        return
    _duplicates(rows, "year", "annual_requests", errors, "年度")
    start, end = clean.get("start_year"), clean.get("end_year")
    if start is not None and end is not None and start <= end:
        for i, row in enumerate(rows):
            year = row.get("year")
            if year is not None and not start <= year <= end:
                errors.add(f"annual_requests.{i}.year", f"年度须在项目起止年度 {start}–{end} 之间")
    request_year = ctx.int("request_year")
    if request_year is None:
        return
    hits = [i for i, row in enumerate(rows) if row.get("year") == request_year]
    if not hits:
        errors.add("annual_requests", f"缺少申请年度 {request_year} 的分年度申请")
    elif (rows[hits[0]].get("fiscal_amount") or 0) <= 0:
        errors.add(f"annual_requests.{hits[0]}.fiscal_amount", f"申请年度 {request_year} 的财政拨款须大于 0")


@rule("funding_split")
def funding_split(clean: dict[str, Any], ctx: Ctx, mode: str | None, errors: Errors) -> None:
    """F-01: mixed funding lists ≥ 2 distinct sources, including the primary one, summing to 100 %."""
    rows = _rows(clean, "funding_split", errors)
    if not rows:
        return
    if len(rows) < 2:
        errors.add("funding_split", "混合资金须至少列明 2 个资金来源")
    _duplicates(rows, "source", "funding_split", errors, "资金来源")
    total = sum((r.get("share") or Decimal(0) for r in rows), Decimal(0))
    if total != 100:
        errors.add("funding_split", f"各资金来源占比合计应为 100%，当前为 {fmt(total)}%")
    primary = clean.get("funding_source")
    if primary and primary not in {r.get("source") for r in rows}:
        errors.add("funding_split", f"资金来源构成须包含主要资金来源 {primary}")


@rule("annual_need")
def annual_need(clean: dict[str, Any], ctx: Ctx, mode: str | None, errors: Errors) -> None:
    """F-02/F-03: years within the project span, Σ ≤ project total, request-year need ≤ request."""
    rows = _rows(clean, "annual_need", errors)
    if rows is None:
        return
    _duplicates(rows, "year", "annual_need", errors, "年度")
    start, end = ctx.int("start_year"), ctx.int("end_year")
    for i, row in enumerate(rows):
        year = row.get("year")
        if start is not None and end is not None and year is not None and not start <= year <= end:
            errors.add(f"annual_need.{i}.year", f"年度须在项目起止年度 {start}–{end} 之间")
    total, cap = sum((r.get("amount") or Decimal(0) for r in rows), Decimal(0)), ctx.decimal("total_amount")
    if cap is not None and total > cap:
        errors.add("annual_need", f"分年度支出需求合计 {fmt(total)} 万元，超过项目总额 {fmt(cap)} 万元")
    request_year, request = ctx.int("request_year"), ctx.decimal("request_wan")
    for i, row in enumerate(rows):
        amount = row.get("amount")
        if row.get("year") == request_year and request is not None and amount is not None and amount > request:
            errors.add(f"annual_need.{i}.amount",
                       f"申请年度 {request_year} 的支出需求不能大于申请金额 {fmt(request)} 万元")


@rule("alternatives")
def alternatives(clean: dict[str, Any], ctx: Ctx, mode: str | None, errors: Errors) -> None:
    """F-02 (DT-01 alternatives_required, [001]): ≥ 2 options, the chosen one among them."""
    rows = _rows(clean, "alternatives", errors)
    if rows is None or (not rows and not ctx.flag("alternatives_required")):
        return
    if len(rows) < 2:
        errors.add("alternatives", f"至少需要 2 个备选方案，当前为 {len(rows)} 个")
    _duplicates(rows, "name", "alternatives", errors, "方案名称")
    names = [r["name"] for r in rows if r.get("name")]
    chosen = clean.get("alternative_chosen")
    if chosen is not None and not errors.has("alternative_chosen") and chosen not in names:
        errors.add("alternative_chosen", "须为备选方案之一：" + "、".join(names))


@rule("grade_default")
def grade_default(clean: dict[str, Any], ctx: Ctx, mode: str | None, errors: Errors) -> None:
    """F-05: grade defaults from the total via DT-08; a different grade needs a reason."""
    if errors.has("grade"):
        return
    total, grade = clean.get("total"), clean.get("grade")
    band = grade_for(total) if total is not None else None
    if grade is None:
        if band is None:
            errors.add("grade", "必填项（未填写全部评分时须选择等级）")
        clean["grade"] = band
    elif band is not None and grade != band and not clean.get("grade_override_reason"):
        errors.add("grade_override_reason",
                   f"所选等级“{grade}”与总分 {fmt(total)} 对应的等级“{band}”不一致，须填写调整理由")


@rule("indicator_comments")
def indicator_comments(clean: dict[str, Any], ctx: Ctx, mode: str | None, errors: Errors) -> None:
    """F-05: a 中/差 grade from finance, third party or experts must say what to fix."""
    if mode == "dept" or clean.get("grade") not in ("中", "差") or errors.has("indicator_comments"):
        return
    if not clean.get("indicator_comments"):
        errors.add("indicator_comments", "审核等级为“中”或“差”时，至少填写 1 条指标修改意见")


@rule("conflict_declaration")
def conflict_declaration(clean: dict[str, Any], ctx: Ctx, mode: str | None, errors: Errors) -> None:
    """F-26 accept: a third party may only accept after declaring no conflict of interest. A lead who
    returns the engagement (e.g. because of a conflict) must not be made to declare there is none."""
    if clean.get("verdict") in ("RETURN", "REJECT"):
        return
    if clean.get("conflict_declaration") is False and not errors.has("conflict_declaration"):
        errors.add("conflict_declaration", "须声明与委托事项不存在利益冲突后方可接受委托")

