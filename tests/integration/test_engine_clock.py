"""The engine clock (engine.time.clock.travel_to) drives timers on the real engine, and a running
instance's event sub-process message start takes every correlated message (engine.moves.mailbox.
standing_starts) — what P3's monthly timer and its two event sub-processes rest on."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.base.models import HumanTask, Message, MessageSubscription
from engine.definitions.deploy import deploy
from engine.dispatch import queue
from engine.moves import mailbox
from engine.moves.runtime import start_process
from engine.moves.state import load_workflow
from engine.time import clock
from tests.factories import make_user

MODEL = Path(__file__).resolve().parent.parent / "models" / "tm_clock_esp.bpmn"
SH = ZoneInfo("Asia/Shanghai")


def _ready(db, instance) -> list[str]:
    return sorted(db.session.scalars(select(HumanTask.task_name).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "READY")))


def _notes(db, instance) -> list[str]:
    db.session.refresh(instance)
    wf = load_workflow(instance)
    done = [t for sub in wf.subprocesses.values() for t in sub.tasks.values()
            if t.task_spec.name == "esp_note" and t.state == TaskState.COMPLETED]
    return sorted(t.data["noted"] for t in done)


def test_moved_clock_fires_a_future_timer_and_standing_message_starts(db):
    deploy({"tm_clock_esp.bpmn": MODEL.read_bytes()}, "test")
    filer = make_user("cf", ("UNIT_FILER", "UNIT", "D01-U01"))
    db.session.commit()
    instance = start_process("tm_clock_esp", filer, {"project_id": "p-1", "due_iso": "2031-03-05T09:00:00+08:00"})
    db.session.commit()
    assert clock.tick()["timers"] == 0 and _ready(db, instance) == []
    clock.travel_to(datetime(2031, 3, 5, 8, 59, tzinfo=SH))
    assert clock.tick()["timers"] == 0  # a minute early
    clock.advance(datetime(2031, 3, 5, 9, 0, 1, tzinfo=SH) - datetime(2031, 3, 5, 8, 59, tzinfo=SH))
    assert clock.tick()["timers"] == 1
    queue.drain()
    db.session.expire_all()
    assert _ready(db, instance) == ["ut_after"]
    # the event sub-process's start: one standing subscription, taking each correlated message
    subs = db.session.scalars(select(MessageSubscription).where(MessageSubscription.instance_id == instance.id,
                                                                MessageSubscription.status == "WAITING")).all()
    assert [(s.message_name, s.correlation) for s in subs] == [("msg_project_completed_early", {"project_id": "p-1"})]
    for day in ("2031-03-06", "2031-03-07"):
        mailbox.send("msg_project_completed_early", {"project_id": "p-1", "completion_date": day})
        db.session.commit()
        queue.drain()
    mailbox.send("msg_project_completed_early", {"project_id": "p-2", "completion_date": "2031-03-08"})
    db.session.commit()
    queue.drain()
    assert _notes(db, instance) == ["2031-03-06/p-1", "2031-03-07/p-1"]
    other = db.session.scalars(select(Message).where(Message.payload["project_id"].astext == "p-2")).one()
    assert other.status == "WAITING"  # another project's message is not taken
    assert _ready(db, instance) == ["ut_after"]  # non-interrupting: the main path still waits
