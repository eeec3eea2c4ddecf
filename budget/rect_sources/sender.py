"""One message per source event: `msg_start_rectification` posted through engine.moves.inbound with
the message id `rectification:{source_type}:{source_id}`, so a repeat (a retry, a second tab, the
periodic pickup racing the first send) is the same message and is answered as a duplicate. While
no deployed process catches the message nothing is posted: the source stays WAITING_P7 and the
pickup (budget.rect_sources.pickup) sends it once P7 is deployed."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from budget.models import RectificationCase
from engine.base.db import db
from engine.base.identity import User
from engine.base.models import Message
from engine.moves import inbound
from engine.moves.messages import catchers, deliver

MESSAGE = "msg_start_rectification"


@dataclass(frozen=True)
class Outgoing:
    """What the message says (the contract in budget/shared/message_catalogue.py)."""

    source_type: str
    source_id: uuid.UUID
    project_id: str
    fiscal_year: int
    findings: list[dict[str, Any]] = field(default_factory=list)
    source_label: str | None = None
    grade: str | None = None
    score: Decimal | None = None
    monitoring_red_unresolved: bool = False
    large_diff: bool = False
    cost_poor: bool = False

    @property
    def client_id(self) -> str:
        return f"rectification:{self.source_type}:{self.source_id}"

    def correlation(self) -> dict[str, Any]:
        return {"source_type": self.source_type, "source_id": str(self.source_id)}

    def payload(self) -> dict[str, Any]:
        body = {"project_id": self.project_id, "fiscal_year": self.fiscal_year, "findings": self.findings,
                "source_label": self.source_label, "grade": self.grade,
                "score": str(self.score) if self.score is not None else None,
                "monitoring_red_unresolved": self.monitoring_red_unresolved, "large_diff": self.large_diff,
                "cost_poor": self.cost_poor}
        return {k: v for k, v in body.items() if v is not None}


@dataclass(frozen=True)
class Sent:
    message_id: uuid.UUID
    instance_id: str | None  # the P7 instance that has the case; None: nobody took it (yet)


def p7_deployed() -> bool:
    return bool(catchers(MESSAGE))


def send(out: Outgoing, sender: User) -> Sent | None:
    """Post the source's message (None: no P7 deployed, nothing posted). Commits."""
    if not p7_deployed():
        return None
    posted = inbound.post(MESSAGE, out.correlation(), out.payload(), client_id=out.client_id, sender=sender)
    taken = _taker(posted.results) or case_instance(out.source_type, out.source_id)
    if taken is None and posted.duplicate and posted.status == "WAITING":
        # The first delivery found no taker (its start failed): the same message again, by the
        # engine's own delivery of a kept message.
        deliver({"message_id": str(posted.id)})
        db.session.commit()
        message = db.session.get(Message, posted.id)
        taken = (message.delivered_to or [None])[0] if message else None
        taken = taken or case_instance(out.source_type, out.source_id)
    return Sent(posted.id, taken)


def _taker(results: list[dict[str, Any]]) -> str | None:
    return next((r["instance_id"] for r in results if r.get("outcome") in ("STARTED", "DELIVERED")), None)


def case_instance(source_type: str, source_id: uuid.UUID) -> str | None:
    """The instance of the case P7 made for the source (a start that was declined because the case
    exists already answers SKIPPED: the case is the answer)."""
    case = db.session.scalar(select(RectificationCase).where(
        RectificationCase.source_type == source_type, RectificationCase.source_id == source_id))
    return case.instance_id if case is not None else None


def sender_named(username: str | None) -> User:
    """The user a queued send posts as: who recorded the source, else a transient `system`."""
    found = db.session.scalar(select(User).where(User.username == username)) if username else None
    return found if found is not None else User(username="system")
