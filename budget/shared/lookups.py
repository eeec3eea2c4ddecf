"""Lookups shared by the handlers: the project and project-year a task's data points at, a user."""
from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select

from budget.models import Project, ProjectYear
from engine.base.db import db
from engine.base.identity import User


def username(actor: Any) -> str | None:
    return getattr(actor, "username", None) if actor is not None else None


def as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def project_id_of(data: Mapping[str, Any]) -> uuid.UUID:
    """The id in task data `project_id`."""
    raw = data.get("project_id")
    if not raw:
        raise ValueError("任务数据缺少 project_id")
    return as_uuid(raw)


def project_of(data: Mapping[str, Any], lock: bool = False) -> Project:
    """The project named by task data `project_id`; `lock` takes a row lock (status changes)."""
    raw = project_id_of(data)
    stmt = select(Project).where(Project.id == raw)
    if lock:
        stmt = stmt.with_for_update()
    project = db.session.scalars(stmt).first()
    if project is None:
        raise ValueError(f"项目 {raw} 不存在")
    return project


def project_year(project: Project, fiscal_year: int, create: bool = True,
                 actor: str | None = None) -> ProjectYear | None:
    row = project.year(int(fiscal_year))
    if row is None and create:
        row = ProjectYear(project=project, fiscal_year=int(fiscal_year), created_by=actor)
        db.session.add(row)
    return row


def year_of(data: Mapping[str, Any], lock: bool = False) -> ProjectYear:
    """The project-year named by task data `project_year_id`; `lock` takes a row lock."""
    raw = data.get("project_year_id")
    if not raw:
        raise ValueError("任务数据缺少 project_year_id")
    stmt = select(ProjectYear).where(ProjectYear.id == as_uuid(raw))
    py = db.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if py is None:
        raise ValueError(f"项目年度 {raw} 不存在")
    return py


def request_year(data: Mapping[str, Any]) -> int:
    year = data.get("request_year")
    if year is None:
        raise ValueError("任务数据缺少 request_year")
    return int(year)


def task_name(task: Any) -> str | None:
    """BPMN task id of an engine HumanTask row (`task_name`; `name` on lightweight stand-ins)."""
    return getattr(task, "task_name", None) or getattr(task, "name", None)


def find_user(ref: Any) -> User | None:
    """A user picker's value: a username or a user id."""
    if not ref:
        return None
    ref = str(ref)
    cond = User.username == ref
    with contextlib.suppress(ValueError):  # not a uuid: a username only
        cond = or_(cond, User.id == as_uuid(ref))
    return db.session.scalars(select(User).where(cond)).first()
