"""Small pieces every API module uses: ids from the path, the reply after a move."""
from __future__ import annotations

import uuid
from typing import Any

from flask import jsonify

from engine.base.errors import NotFound
from engine.moves.runtime import ready_items
from web.presenters import task_json


def path_uuid(value: str, what: str = "任务") -> uuid.UUID:
    """An id from the URL; a malformed one is simply not found (404)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"{what}不存在") from None


def instance_reply(instance: Any) -> Any:
    """Where an instance stands after a move: status, current steps, its ready tasks."""
    return jsonify({"instance_id": str(instance.id), "status": instance.status,
                    "current_steps": instance.current_steps,
                    "ready_tasks": [task_json(t) for t in ready_items(instance)]})
