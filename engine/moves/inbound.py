"""Messages posted from outside (`POST /api/v1/messages`, processes.md §5.1): delivered at once to
every waiting catch event that correlates — or, when none waits, to the message start events — in
one transaction per instance, so one instance's incident does not undo the others; the result per
instance is kept with the message. The delivery itself is engine.moves.messages'.

Once per client id: the message row is inserted (`ON CONFLICT DO NOTHING` on `client_id`) on a
connection of its own whose transaction stays open until every instance had its turn, and commits
with the results. A duplicate posted meanwhile waits on that row's unique key, finds it committed
and answers the first result without delivering; a duplicate after a crash finds no row (the claim
died with its connection) and delivers what still waits.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from engine.base import config
from engine.base.convert import plain
from engine.base.db import db, utcnow
from engine.base.errors import Conflict, ValidationFailed
from engine.base.identity import User
from engine.base.models import Message, MessageSubscription, ProcessInstance
from engine.definitions import datasize
from engine.moves import runtime
from engine.moves.mailbox import matches, waiting_for
from engine.moves.messages import catchers, hand_to, start_catcher

Reach = Callable[[ProcessInstance], bool]  # may the sender reach this instance (its data scope)?


@dataclass
class Posted:
    id: uuid.UUID
    client_id: str
    name: str
    status: str  # DELIVERED (someone took it) or WAITING (kept for a catch that waits later)
    results: list[dict[str, Any]]
    duplicate: bool = False


def post(name: str, correlation: dict[str, Any], payload: dict[str, Any], *, client_id: str,
         sender: User, reach: Reach | None = None) -> Posted:
    """Deliver a message once per `client_id`. `reach` limits the instances it may move to the
    sender's data scope (None: everywhere — an administrator)."""
    body = plain({**payload, **correlation})  # catchers see the keys too, as with thrown messages
    if (reason := datasize.too_big(body)) is not None:
        raise ValidationFailed({"payload": [f"消息内容{reason}"]})
    message = Message(id=uuid.uuid4(), name=name, payload=body, correlation=plain(correlation),
                      client_id=client_id, sender=sender.username, source_instance_id=None,
                      status="WAITING", created_at=utcnow(), delivered_to=[],
                      expires_at=utcnow() + timedelta(days=config.current().message_ttl_days))
    db.session.commit()  # whatever the request read so far; each instance gets its own transaction
    table = Message.__table__
    with db.engine.connect() as claim:
        values = {c.name: getattr(message, c.key) for c in table.columns if c.key != "results"}
        claimed = claim.execute(insert(table).values(**values).on_conflict_do_nothing(
            index_elements=["client_id"]).returning(table.c.id)).first()
        if claimed is None:
            claim.rollback()
            return _earlier(client_id, message)
        results = _deliver(message, reach)
        taken = [r["instance_id"] for r in results if r["outcome"] in ("DELIVERED", "STARTED")]
        status = "DELIVERED" if taken else "WAITING"
        claim.execute(update(table).where(table.c.id == message.id).values(
            status=status, delivered_at=utcnow() if taken else None, delivered_to=taken, results=results))
        claim.commit()
    return Posted(message.id, client_id, name, status, results)


def _earlier(client_id: str, asked: Message) -> Posted:
    first = db.session.scalar(select(Message).where(Message.client_id == client_id))
    if first is None:  # cannot happen: the conflicting row is committed when DO NOTHING returns
        raise Conflict("消息正在处理，请稍后重试")
    if (first.name, first.payload) != (asked.name, asked.payload):
        raise Conflict(f"消息编号 {client_id} 已用于另一条消息，请换一个编号")
    return Posted(first.id, client_id, first.name, first.status, list(first.results or []), duplicate=True)


def _deliver(message: Message, reach: Reach | None) -> list[dict[str, Any]]:
    rows = db.session.execute(
        waiting_for(message.name, message.payload).add_columns(ProcessInstance)
        .join(ProcessInstance, ProcessInstance.id == MessageSubscription.instance_id)
        .order_by(MessageSubscription.id)).all()
    waiting = [(sub.id, inst.id) for sub, inst in rows
               if matches(sub.correlation or {}, message.payload) and (reach is None or reach(inst))]
    db.session.commit()
    if waiting:
        return [_once(instance_id, lambda s=sub_id: _hand(s, message)) for sub_id, instance_id in waiting]
    results = []
    for key, definition in catchers(message.name):
        results.append(_once(None, lambda k=key, d=definition: start_catcher(k, d, message), key))
    return results


def _hand(sub_id: uuid.UUID, message: Message) -> ProcessInstance | None:
    sub = db.session.get(MessageSubscription, sub_id)
    if sub is None or not hand_to(sub, message):
        return None
    return db.session.get(ProcessInstance, sub.instance_id)


def _once(instance_id: uuid.UUID | None, move: Callable[[], ProcessInstance | None],
          key: str | None = None) -> dict[str, Any]:
    """One instance's delivery (or start) in its own transaction."""
    try:
        instance = move()
        db.session.commit()
    except Exception as err:  # noqa: BLE001 — reported for this instance; the others go on
        db.session.rollback()
        runtime.note_incident(err, instance_id)
        db.session.commit()
        found = _describe(instance_id)
        return {**found, "process_key": found["process_key"] or key, "outcome": "FAILED", "error": str(err)[:500]}
    if instance is None:
        why = ("流程已不再等待该消息（已结束、暂停或已收到）" if instance_id is not None
               else "该对象已有此流程的实例，未重复发起")  # a message starter declined
        found = _describe(instance_id)
        return {**found, "process_key": found["process_key"] or key, "outcome": "SKIPPED", "error": why}
    outcome = "STARTED" if instance_id is None else "DELIVERED"
    return {**_describe(instance.id), "outcome": outcome, "error": None}


def _describe(instance_id: uuid.UUID | None) -> dict[str, Any]:
    instance = db.session.get(ProcessInstance, instance_id) if instance_id else None
    if instance is None:
        return {"instance_id": str(instance_id) if instance_id else None, "process_key": None, "title": None,
                "business_key": None, "status": None, "current_steps": []}
    return {"instance_id": str(instance.id), "process_key": instance.process_key, "title": instance.title,
            "business_key": instance.business_key, "status": instance.status,
            "current_steps": list(instance.current_steps or [])}
