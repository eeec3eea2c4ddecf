"""F-01 + F-04 (`ut_p1_fill`, `ut_p1_revise_after_fiscal`): the application writes the project
master record, its per-year requests (万元 → 元) and a new performance-target version."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from budget.calc.money import shares, wan_to_yuan
from budget.models import Project
from budget.p1_intake.checks import check_application
from budget.shared.lookups import find_user, project_of, project_year, request_year, username
from budget.shared.status import change_library_status
from budget.shared.targets import new_target_version
from engine.base import hooks
from engine.base.convert import plain as jsonable
from engine.base.hooks import TaskCompleted

PROJECT_FIELDS = (
    "name", "object_type", "project_class", "one_off_type", "new_or_continuing", "predecessor_code",
    "start_year", "end_year", "policy_expiry_year", "policy_intensive", "legal_basis", "necessity_text",
    "content_text", "scope_districts", "beneficiaries", "large_influence", "is_classified",
    "in_year_reason", "devolved_to_lower_level",
)
JSON_FIELDS = ("domain_tags", "special_type", "attachments", "funding_composition")


@hooks.task_handler("p1.record_application", check=check_application)
def record_application(event: TaskCompleted) -> None:
    """`ut_p1_fill`: the filer's application; a request returned after the ex-ante (department
    SUPPORT_AFTER_REVISION) goes EXANTE → DRAFT while it is revised."""
    project = project_of(event.data, lock=True)
    if project.library_status == "EXANTE":
        change_library_status(project, "DRAFT", username(event.actor))
    write_application(event, project, requests=True)


@hooks.task_handler("p1.record_revision", check=check_application)
def record_revision(event: TaskCompleted) -> None:
    """`ut_p1_revise_after_fiscal`: after a fiscal SUPPORT_AFTER_REVISION the request is not
    overwritten (processes §5.3 row 14): the recommendation goes to exante_recommended at 入库 and
    is applied at budget arrangement."""
    write_application(event, project_of(event.data, lock=True), requests=False)


def write_application(event: TaskCompleted, project: Project, *, requests: bool) -> None:
    sub, data = event.submission, event.data
    actor = username(event.actor)
    apply_project_fields(project, sub)
    project.updated_by = actor
    if requests:
        apply_annual_requests(project, sub, actor)
    if any(k in sub for k in ("indicators", "overall_goal", "annual_goal")):
        py = project_year(project, request_year(data), actor=actor)
        new_target_version(py, sub, data, actor)


def apply_project_fields(project: Project, sub: dict[str, Any]) -> None:
    for key in PROJECT_FIELDS:
        if key in sub:
            setattr(project, key, sub[key])
    for key in JSON_FIELDS:
        if key in sub:
            setattr(project, key, jsonable(sub[key]) if sub[key] is not None else None)
    if sub.get("function_category"):
        project.function_category = str(sub["function_category"]).strip()[:3]
    if "responsible_person" in sub:
        person = find_user(sub["responsible_person"])
        project.responsible_person_id = person.id if person else None


def apply_annual_requests(project: Project, sub: dict[str, Any], actor: str | None) -> None:
    rows = sub.get("annual_requests")
    if rows is None:
        return
    total = Decimal(0)
    years = set()
    for row in rows:
        year = int(row["year"])
        years.add(year)
        py = project_year(project, year, actor=actor)
        py.requested = wan_to_yuan(row.get("fiscal_amount") or 0)
        py.requested_other = wan_to_yuan(row.get("other_amount")) if row.get("other_amount") is not None else None
        if sub.get("funding_source"):
            py.funding_source = sub["funding_source"]
        if "funding_split" in sub:
            py.funding_split = shares(sub["funding_split"])
        py.updated_by = actor
        total += py.requested + (py.requested_other or 0)
    # Years dropped from the request: zero them while they are still only a request (no hard delete).
    for py in project.years:
        if py.fiscal_year not in years and py.cycle_status is None and py.arranged is None:
            py.requested, py.requested_other = Decimal("0.00"), None
    given = sub.get("total_amount")
    project.total_amount = wan_to_yuan(given) if given is not None else total
