"""Attachments on tasks and instances: type and size limits, who may read them, and the link
from a form's file fields to the instance once the task is completed."""
from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import select, update

from engine.base.db import db
from engine.base.errors import Forbidden, NotFound, ValidationFailed
from engine.base.identity import User
from engine.base.models import Attachment, HumanTask, ProcessInstance
from engine.work.access import can_view_instance, read_only
from engine.work.audit import audit
from engine.work.inbox import participants

# Office documents, PDF/OFD, images and archives: what evaluation evidence comes as.
ALLOWED = {"pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "csv", "ppt", "pptx", "txt", "jpg", "jpeg",
           "png", "gif", "bmp", "zip", "rar", "7z"}
NAME_MAX = 200  # the audit row's title column holds the name
_CONTROL = tuple(chr(c) for c in (*range(32), *range(127, 160)))


def check(name: str, size: int, limit: int) -> None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    errors = []
    if len(name) > NAME_MAX:
        errors.append(f"文件名不超过 {NAME_MAX} 个字符，请改短后再上传")
    if any(c in name for c in _CONTROL):
        errors.append("文件名不能包含控制字符")
    if ext not in ALLOWED:
        errors.append(f"不支持的文件类型 “.{ext or '?'}”（允许：{'、'.join(sorted(ALLOWED))}）")
    if size > limit:
        errors.append(f"文件超过大小上限 {limit // (1024 * 1024)} MB")
    if size == 0:
        errors.append("文件为空")
    if errors:
        raise ValidationFailed({"file": errors})


def store(name: str, content_type: str, content: bytes, user: User, limit: int, *,
          instance_id: uuid.UUID | None = None, task_id: uuid.UUID | None = None) -> Attachment:
    check(name, len(content), limit)
    if task_id is not None:
        row = db.session.get(HumanTask, task_id)
        if row is None:
            raise NotFound("任务不存在")
        instance_id = row.instance_id
    if instance_id is not None:
        instance = db.session.get(ProcessInstance, instance_id)
        if instance is None or not can_view_instance(user, instance, participants(instance.id)):
            raise NotFound("流程实例不存在")
        if read_only(user):
            raise Forbidden("观察员只能查看，不能上传附件")
    attachment = Attachment(name=name[-255:], content_type=(content_type or "application/octet-stream")[:120],
                            size=len(content), sha256=hashlib.sha256(content).hexdigest(), content=content,
                            uploaded_by=user.username, instance_id=instance_id, task_id=task_id)
    db.session.add(attachment)
    if instance_id is not None:
        audit(instance, user, "attach", title=attachment.name, detail={"attachment": str(attachment.id),
                                                                        "size": attachment.size})
    return attachment


def readable(attachment_id: uuid.UUID, user: User) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("附件不存在")
    if attachment.uploaded_by == user.username:
        return attachment
    instance = db.session.get(ProcessInstance, attachment.instance_id) if attachment.instance_id else None
    if instance is None or not can_view_instance(user, instance, participants(instance.id)):
        raise NotFound("附件不存在")
    return attachment


def of_instance(instance_id: uuid.UUID) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(Attachment.instance_id == instance_id)
                                   .order_by(Attachment.uploaded_at)))


def link_submission(instance: ProcessInstance, row: HumanTask, form: Any, clean: dict[str, Any],
                    actor: User) -> None:
    """Files named in a submitted form's file fields belong to the instance from now on
    (only the uploader's own, not yet linked uploads)."""
    ids = []
    for f in form.fields:
        if f.get("type") == "files":
            ids.extend(str(v) for v in clean.get(f["name"]) or [])
    valid = []
    for raw in ids:
        try:
            valid.append(uuid.UUID(raw))
        except ValueError:
            continue
    if valid:
        db.session.execute(update(Attachment).where(
            Attachment.id.in_(valid), Attachment.instance_id.is_(None), Attachment.uploaded_by == actor.username,
        ).values(instance_id=instance.id, task_id=row.id))
