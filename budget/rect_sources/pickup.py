"""Sending what waits for P7. A registration sends at once; P3's F-11 records a
RectificationRequest inside its move, and a queued job cannot post (inbound.post commits, a job
runs in a savepoint), so the scheduler's tick sends it (engine.time.clock.periodic, every
TIMER_POLL_SECONDS). The same scan sends whatever was recorded while no P7 was deployed: it does
nothing while nothing waits or nothing catches the message, so "P7 deployed" needs no hook of its
own, and it is safe to run twice — the message id per source event makes a second send a duplicate."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from budget.models import Project, ProjectYear, RectificationRequest, RectificationSource
from budget.rect_sources import sender
from budget.rect_sources.sender import Outgoing, Sent
from engine.base.db import db
from engine.time import clock

BATCH = 100


def request_outgoing(request: RectificationRequest) -> Outgoing:
    py = db.session.get(ProjectYear, request.project_year_id)
    project = db.session.get(Project, py.project_id)
    return Outgoing(source_type=request.source_type, source_id=request.source_id, project_id=str(project.id),
                    fiscal_year=py.fiscal_year, findings=list(request.findings or []),
                    source_label=f"{py.fiscal_year}年度运行监控预警（资金管理处决定启动整改）",
                    monitoring_red_unresolved=any(f.get("severity") == "HIGH" for f in request.findings or []))


def source_outgoing(source: RectificationSource) -> Outgoing:
    py = db.session.get(ProjectYear, source.project_year_id)
    return Outgoing(source_type=source.source_type, source_id=source.id, project_id=str(py.project_id),
                    fiscal_year=py.fiscal_year, findings=list(source.findings or []),
                    source_label=source.source_label, grade=source.grade, score=source.score,
                    large_diff=source.large_diff, cost_poor=source.cost_poor)


def _settle(row: Any, sent: Sent | None, started: str) -> bool:
    """Record what the send gave: the message, and STARTED with the P7 instance once one has the
    case. Locks the row; True when it is now started."""
    if sent is None:
        return False
    locked = db.session.scalar(select(type(row)).where(type(row).id == row.id).with_for_update())
    locked.message_id = sent.message_id
    if sent.instance_id is not None:
        if isinstance(locked, RectificationRequest):
            locked.status, locked.p7_instance_id = started, sent.instance_id
        else:
            locked.message_status, locked.instance_id = started, sent.instance_id
    db.session.commit()
    return sent.instance_id is not None


def send_request(request_id: uuid.UUID) -> bool:
    request = db.session.get(RectificationRequest, request_id)
    if request is None or request.status != "WAITING_P7":
        return False
    out = request_outgoing(request)
    return _settle(request, sender.send(out, sender.sender_named(request.created_by)), "STARTED")


def send_source(source_id: uuid.UUID) -> bool:
    source = db.session.get(RectificationSource, source_id)
    if source is None or source.message_status != "WAITING_P7":
        return False
    out = source_outgoing(source)
    return _settle(source, sender.send(out, sender.sender_named(source.registered_by)), "STARTED")


@clock.periodic
def pick_up_rectification_sources(now: datetime) -> int:
    """Send every source still WAITING_P7 once a P7 is deployed (the count sent and taken)."""
    requests = db.session.scalars(select(RectificationRequest.id).where(
        RectificationRequest.status == "WAITING_P7").order_by(RectificationRequest.created_at).limit(BATCH)).all()
    sources = db.session.scalars(select(RectificationSource.id).where(
        RectificationSource.message_status == "WAITING_P7").order_by(RectificationSource.created_at)
        .limit(BATCH)).all()
    if not (requests or sources) or not sender.p7_deployed():
        return 0
    return sum(send_request(i) for i in requests) + sum(send_source(i) for i in sources)
