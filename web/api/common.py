"""Small pieces every API module uses: ids from the path, visible instances, the reply after a move."""
from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from flask import g

from engine.base.errors import NotFound
from engine.base.identity import User
from engine.base.models import ProcessInstance
from engine.base.paging import Page
from engine.moves import interactions
from engine.moves.sidetables import ready_items
from web.presenters import task_json


def path_uuid(value: str, what: str = "任务") -> uuid.UUID:
    """An id from the URL; a malformed one is simply not found (404)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"{what}不存在") from None


def visible_instance(instance_id: str, user: User) -> ProcessInstance:
    """404, not 403, for ids one may not see: no oracle."""
    return interactions.visible_instance(path_uuid(instance_id, "流程实例"), user)


def instance_reply(instance: Any) -> dict[str, Any]:
    """Where an instance stands after a move: status, current steps, its ready tasks."""
    return {"instance_id": str(instance.id), "status": instance.status, "current_steps": instance.current_steps,
            "ready_tasks": [task_json(t) for t in ready_items(instance)]}


def in_scope(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Put under @require_token: the path's task or instance `id` outside the caller's scope is
    404 before anything else (the body is not even read), whatever the operation."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if kind == "task":
                interactions.visible_task(path_uuid(kwargs["id"]), g.api_user)
            else:
                visible_instance(kwargs["id"], g.api_user)
            return fn(*args, **kwargs)
        return checked
    return wrap


# Paged lists answer a JSON array (the page) and the whole list's count in this header.
TOTAL = {"X-Total-Count": {"description": "符合条件的总条数（分页前）", "schema": {"type": "integer", "minimum": 0}}}


def page_reply(found: Page[Any], body: list[Any]) -> tuple[list[Any], int, dict[str, str]]:
    return body, 200, {"X-Total-Count": str(found.total)}
