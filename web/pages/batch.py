"""批量同意 from 待办: what web/api/operations.py batch_complete does, for the page's user —
each task in its own transaction, only steps whose model allows batch approval."""
from __future__ import annotations

import uuid

from engine.base.db import db
from engine.base.identity import User
from engine.base.models import HumanTask
from engine.moves.runtime import complete_task
from engine.work.access import can_act
from web.pages.outcome import attempt

APPROVE = {"verdict": "APPROVE"}


def approve_all(raw_ids: list[str], user: User) -> tuple[int, list[tuple[str, str]]]:
    """(how many were approved, [(task title, why not)] for the others)."""
    done, failed = 0, []
    for raw in dict.fromkeys(raw_ids):
        try:
            item_id = uuid.UUID(raw)
        except ValueError:
            failed.append((raw, "任务不存在"))
            continue
        row = db.session.get(HumanTask, item_id)
        visible = row is not None and can_act(user, row)  # no titles of other people's tasks
        title = f"{row.title}（{row.instance_title}）" if visible else f"任务 {raw[:8]}"
        outcome = attempt(lambda item_id=item_id: complete_task(item_id, user, dict(APPROVE), batch=True),
                          row.instance_id if row else None)
        if outcome.ok:
            done += 1
        else:
            failed.append((title, "；".join(outcome.messages())))
    return done, failed
