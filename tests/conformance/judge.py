"""One sweep case: deploy a file set through the API, run it as its initiator (messages posted to
waiting subscriptions, waiting timers let fire once on the engine clock, ready tasks completed),
run the same files on bare SpiffWorkflow (bare.py) the same way, and say how the two compare."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from engine.base.models import MessageSubscription, ProcessInstance, Timer
from engine.dispatch import queue
from engine.moves.state import load_workflow
from engine.time import clock
from tests.conformance import bare, support

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# names PerfFlow's scripts have that Spiff's default script engine has not (docs/design.md, BPMN conventions)
PERFFLOW_NAMES = {"datetime": datetime, "date": date, "timedelta": timedelta, "Decimal": Decimal}
SWEEPER = "cf_sweeper"  # the administrator both sweeps deploy and run as (conftest.sweep_db)
SAME, REFUSED, BOTH_FAIL, DIFFERENT = "same", "refused", "bare fails too", "DIFFERENT"


@dataclass
class Verdict:
    outcome: str  # SAME, REFUSED, BOTH_FAIL or DIFFERENT
    reason: str = ""
    key: str | None = None


class Unexpected(Exception):
    """An API reply no case may give (a 500, or a code the API does not document)."""


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if not k.startswith("_form:")}


def _posted(client: Any, admin: dict[str, str], db: Any, instance_id: str, name: str) -> bool:
    waits = db.session.scalars(select(MessageSubscription).where(
        MessageSubscription.instance_id == instance_id, MessageSubscription.message_name == name,
        MessageSubscription.status == "WAITING")).first()
    if waits is None:
        return False
    reply = client.post("/api/v1/messages", headers=admin,
                        json={"name": name, "message_id": f"sweep-{instance_id}-{name}", "correlation": {},
                              "payload": {}})
    if reply.status_code != 200:
        raise Unexpected(f"message {name}: {reply.status_code} {reply.get_data(as_text=True)[:300]}")
    return True


def drive(client: Any, admin: dict[str, str], db: Any, key: str, messages: tuple[str, ...],
          fire_timers: bool, task_data: dict[str, dict[str, Any]] | None = None,
          start_data: dict[str, Any] | None = None) -> tuple[str, Any]:
    """Drive the instance like bare.run drives Spiff: messages, then timers, then user tasks."""
    started = support.start(client, admin, key, data=start_data or {})
    if started.status_code == 422:
        return "incident", started.get_json()
    if started.status_code == 403 and "系统消息启动" in started.get_json()["message"]:
        return "message start", None  # only its message starts it (docs/design.md, BPMN conventions)
    if started.status_code != 201:
        raise Unexpected(f"start: {started.status_code} {started.get_data(as_text=True)[:300]}")
    instance_id, pending = started.get_json()["id"], list(messages)
    for _ in range(50):
        db.session.expire_all()
        shown = support.instance(client, admin, instance_id)
        if shown["status"] != "RUNNING":
            break
        if pending and _posted(client, admin, db, instance_id, pending[0]):
            pending.pop(0)
            continue
        if fire_timers and db.session.scalars(select(Timer).where(
                Timer.instance_id == instance_id, Timer.status == "WAITING")).first():
            clock.advance(timedelta(days=3650))
            clock.tick()
            queue.drain()
            clock.back_to_real_time()
            fire_timers = False
            continue
        tasks = [t for t in (shown.get("ready_tasks") or shown.get("tasks") or []) if t.get("status", "READY") == "READY"]
        if not tasks:
            break
        given = (task_data or {}).get(tasks[0]["name"])  # the step's F-00 fields, then the model's own
        reply = support.complete(client, admin, tasks[0]["id"], {"verdict": "APPROVE", **given} if given else None)
        if reply.status_code == 422:
            return "incident", reply.get_json()
        if reply.status_code != 200:
            raise Unexpected(f"complete: {reply.status_code} {reply.get_data(as_text=True)[:300]}")
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance_id)
    return instance.status, instance


def refusal(errors: list[dict[str, Any]]) -> str | None:
    """What is wrong with a deploy refusal (None: Chinese messages, each naming an element or file)."""
    if not errors:
        return "refused without errors"
    if not all(e.get("message") and CHINESE.search(e["message"]) for e in errors):
        return "a refusal message is not Chinese"
    if not all(e.get("element_id") or e.get("file") for e in errors):
        return "a refusal names no element or file"
    return None


def judge(client: Any, admin: dict[str, str], db: Any, files: dict[str, bytes], *, key: str | None = None,
          messages: tuple[str, ...] = (), fire_timers: bool = False,
          task_data: dict[str, dict[str, Any]] | None = None, start_data: dict[str, Any] | None = None) -> Verdict:
    """Deploy (`key`: the process to deploy, None: the deploy API chooses), run, compare."""
    db.session.rollback()
    deployed = support.deploy(client, admin, files, key)
    if deployed.status_code == 400:
        errors = deployed.get_json()["errors"]
        wrong = refusal(errors)
        shown = "; ".join(f"{e.get('element_id') or e.get('file')}: {e['message']}" for e in errors)
        return Verdict(DIFFERENT if wrong else REFUSED, f"{wrong}: {shown}" if wrong else shown, key)
    if deployed.status_code not in (200, 201):
        raise Unexpected(f"deploy: {deployed.status_code} {deployed.get_data(as_text=True)[:300]}")
    key = deployed.get_json()["key"]
    fed = {"task_data": task_data, "start_data": start_data}
    reference = bare.run(files, key, messages=messages, fire_timers=fire_timers, **fed)
    if reference.error and (lacks := re.search(r"name '(\w+)' is not defined", reference.error)) \
            and lacks.group(1) in PERFFLOW_NAMES:  # a name our scripts have and Spiff's lack: give it
        reference = bare.run(files, key, messages=messages, fire_timers=fire_timers, script_globals=PERFFLOW_NAMES,
                             **fed)
    outcome, detail = drive(client, admin, db, key, messages, fire_timers, **fed)
    incident = detail.incident if isinstance(detail, ProcessInstance) else None
    if reference.error is not None:
        if outcome == "incident" or (outcome == "RUNNING" and incident):
            return Verdict(BOTH_FAIL, reference.error, key)
        return Verdict(DIFFERENT, f"Spiff fails ({reference.error}), PerfFlow ends {outcome}", key)
    if not reference.completed:
        if outcome in ("RUNNING", "message start") and not incident:
            return Verdict(SAME, f"both wait ({', '.join(reference.waiting) or outcome})", key)
        return Verdict(DIFFERENT, f"Spiff waits for {reference.waiting}, PerfFlow: {outcome} {_said(detail)}", key)
    if outcome != "COMPLETED":
        return Verdict(DIFFERENT, f"Spiff completes at {reference.ended_at}, PerfFlow: {outcome} {_said(detail)}", key)
    if detail.end_event != reference.ended_at:
        return Verdict(DIFFERENT, f"end {detail.end_event}, Spiff's {reference.ended_at}", key)
    ours = _plain(dict(load_workflow(detail).data))
    if not _alike(ours, reference.data):
        return Verdict(DIFFERENT, f"data {ours!r} != Spiff's {reference.data!r}", key)
    return Verdict(SAME, f"completes at {reference.ended_at}", key)


def _alike(ours: Any, theirs: Any) -> bool:
    """Equal, but for times a model took from the clock (`datetime.now()`): within a minute."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(_alike(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(_alike, ours, theirs))
    if ours != theirs and isinstance(ours, str) and isinstance(theirs, str):
        try:
            return abs(datetime.fromisoformat(ours) - datetime.fromisoformat(theirs)) < timedelta(minutes=1)
        except (ValueError, TypeError):
            return False
    return bool(ours == theirs)


def _said(detail: Any) -> str:
    if isinstance(detail, ProcessInstance):
        return detail.incident or ""
    detail = detail or {}
    return str(detail.get("message") or detail.get("errors") or "")[:400]
