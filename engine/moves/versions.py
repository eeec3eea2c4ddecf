"""Which version of a model new instances start from, under an administrator's control: making an
older (or any) version the active one is a rollback — audited on the model (`model_audit`), the
start timers follow it, the process and system administrators are told (docs/design.md "Versions
and migration (issue 13)")."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.base.db import db, utcnow
from engine.base.errors import Forbidden, NotFound, ValidationFailed
from engine.base.identity import User
from engine.base.model_admin import ModelAudit
from engine.base.models import ProcessModelVersion
from engine.definitions.deploy import active_version_id, lock_model, version_of
from engine.definitions.start_timers import schedule_start_events
from engine.work.access import is_admin
from engine.work.opinions import notify
from engine.work.rule_tables import role_holders

TOLD_ROLES = ("PROCESS_ADMIN", "SYS_ADMIN")


def versions_of(key: str) -> list[ProcessModelVersion]:
    """Every version of `key`, newest first; NotFound when the key was never deployed."""
    found = list(db.session.scalars(select(ProcessModelVersion).where(ProcessModelVersion.key == key)
                                    .order_by(ProcessModelVersion.version.desc())))
    if not found:
        raise NotFound(f"流程模型 “{key}” 不存在")
    return found


def active_version(key: str) -> ProcessModelVersion:
    return db.session.get(ProcessModelVersion, active_version_id(key))


def activate(key: str, number: int, actor: User, reason: str) -> tuple[ProcessModelVersion, bool]:
    """设为启用版本: version `number` becomes the one new instances (and the start timer) start
    from. Returns (version, changed); already active is a no-op (nothing audited or told)."""
    if not is_admin(actor):
        raise Forbidden("只有系统管理员可以切换启用版本")
    target = version_of(key, number)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["请填写切换原因"]})
    lock_model(key)
    before = active_version(key)
    if before.id == target.id:
        return target, False
    target.activated_at = utcnow()
    db.session.flush()
    schedule_start_events(target)  # the replaced version's start timer is cancelled there
    record(key, actor, "activate", before.version, target.version, reason.strip())
    who = actor.name or actor.username
    notify([n for n in role_holders(TOLD_ROLES) if n != actor.username], "model_version",
           f"流程启用版本变更：{target.name or key} 第{target.version}版",
           body=f"{who} 将 {target.name or key} 的启用版本由第{before.version}版改为第{target.version}版，"
                f"新发起的流程将使用第{target.version}版。原因：{reason.strip()}",
           by=actor.username)
    return target, True


def record(key: str, actor: User, action: str, from_version: int | None, to_version: int | None,
           reason: str, detail: dict[str, Any] | None = None) -> ModelAudit:
    row = ModelAudit(actor=actor.username, process_key=key, action=action, from_version=from_version,
                     to_version=to_version, reason=reason, detail=detail)
    db.session.add(row)
    return row


def model_audit(key: str, limit: int = 200) -> list[ModelAudit]:
    return list(db.session.scalars(select(ModelAudit).where(ModelAudit.process_key == key)
                                   .order_by(ModelAudit.id.desc()).limit(limit)))
