"""The budget year's facts declared once per jurisdiction (processes §5.1): the result-application
decisions are ready (`msg_result_decisions_ready`; declared by the performance division from a page
until P6 exists) and the 人大 approved the budget (`msg_npc_budget_approved`; recorded by the budget
division). Declaring writes the milestone and sends the message every waiting P2 instance of that
year catches; declaring again changes nothing and sends nothing. The same message posted through the messages
API (by the roles the catalogue names) is recorded by the first instance it wakes
(`p2.note_milestone`), so either way the row and the message agree."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from budget.models import BudgetYearMilestone, Jurisdiction
from engine.base.db import db
from engine.moves import mailbox

MESSAGES = {"RESULT_DECISIONS_READY": ("msg_result_decisions_ready", "apply_year"),
            "NPC_APPROVED": ("msg_npc_budget_approved", "fiscal_year")}


def jurisdiction_code() -> str:
    row = db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.created_at)).first()
    return row.code if row else "DEFAULT"


def milestone_date(jurisdiction: str | None, year: int, kind: str) -> date | None:
    return db.session.scalar(select(BudgetYearMilestone.on_date).where(
        BudgetYearMilestone.jurisdiction == (jurisdiction or jurisdiction_code()),
        BudgetYearMilestone.fiscal_year == year, BudgetYearMilestone.kind == kind))


def record(kind: str, year: int, on_date: date, actor: str | None, note: str | None = None) -> bool:
    """Write the milestone unless it exists; True when this call wrote it."""
    return db.session.execute(insert(BudgetYearMilestone).values(
        jurisdiction=jurisdiction_code(), fiscal_year=year, kind=kind, on_date=on_date, note=note,
        created_by=actor,
    ).on_conflict_do_nothing(index_elements=["jurisdiction", "fiscal_year", "kind"]).returning(
        BudgetYearMilestone.id)).first() is not None


def declare(kind: str, year: int, on_date: date, actor: str | None, note: str | None = None) -> bool:
    """Record the milestone once; True when this call recorded it (and sent the message)."""
    where = jurisdiction_code()
    if not record(kind, year, on_date, actor, note):
        return False
    name, year_key = MESSAGES[kind]
    payload = {"jurisdiction": where, year_key: year}
    if kind == "NPC_APPROVED":
        payload["npc_approval_date"] = on_date.isoformat()
    mailbox.send(name, payload, correlation={"jurisdiction": where, year_key: year})
    return True
