"""The automated decisions of an instance, each with its "why" in Chinese: the table and version, the
rows that matched and each row's annotation (the DMN rule's description) with the decision's inputs
put into its `{name}` placeholders — "DT-06 监控预警 第4行命中：执行率 32% 慢于时间进度 31 个百分点…"."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from engine.base import convert
from engine.base.db import db
from engine.base.decision_models import DecisionRecord, DecisionTableVersion
from engine.base.models import ProcessInstance, ProcessModelVersion
from engine.definitions import decision_tables as dt


@dataclass
class Decision:
    id: int
    at: datetime
    task_title: str
    decision_id: str
    table_name: str
    table_version: int | None
    packs: list[str]
    rows: list[str]
    row_numbers: list[int]
    why: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


def shown(value: Any) -> str:
    """A value as a sentence shows it: 32.50 → 32.5, True → 是, lists joined with 、."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "无"
    if isinstance(value, Decimal | float):
        value = Decimal(str(value)).quantize(Decimal("0.01"))
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, list | tuple | set):
        return "、".join(shown(v) for v in value)
    return str(value)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(annotation: str, inputs: dict[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda m: shown(inputs[m.group(1)]) if m.group(1) in inputs else m.group(0), annotation)


def _table(content_hash: str, instance: ProcessInstance) -> dt.Table | None:
    content = db.session.scalar(select(DecisionTableVersion.content).where(
        DecisionTableVersion.content_hash == content_hash).limit(1))
    if content is None:  # a table never registered: the instance's own deployed file
        files = db.session.scalar(select(ProcessModelVersion.files).where(
            ProcessModelVersion.id == instance.model_version_id)) or {}
        content = next((c for c in files.values() if dt.text_hash(c) == content_hash), None)
    return dt.parse_table(content) if content else None


def why(table: dt.Table | None, rows: list[str], inputs: dict[str, Any]) -> tuple[str, list[int]]:
    if table is None:
        return f"命中：{'、'.join(rows) or '无'}（决策表内容已不可查）", []
    by_id = {r.id: r for r in table.engine.decision_table.rules}
    matched = [by_id[r] for r in rows if r in by_id]
    if not matched:
        return f"{table.name}：没有命中任何一行，未给出结果", []
    numbers = [r.row_number for r in matched]
    texts = [fill((r.description or "").strip() or f"规则 {r.id}", inputs) for r in matched]
    return f"{table.name} 第{'、'.join(map(str, numbers))}行命中：{'；'.join(texts)}", numbers


def for_instance(instance: ProcessInstance) -> list[Decision]:
    records = db.session.scalars(select(DecisionRecord).where(DecisionRecord.instance_id == instance.id)
                                 .order_by(DecisionRecord.id))
    tables: dict[str, dt.Table | None] = {}
    out = []
    for rec in records:
        if rec.content_hash not in tables:
            tables[rec.content_hash] = _table(rec.content_hash, instance)
        table = tables[rec.content_hash]
        inputs = convert.untagged(rec.inputs)
        sentence, numbers = why(table, rec.rows, inputs)
        out.append(Decision(rec.id, rec.at, rec.task_title or rec.task_name, rec.decision_id,
                            table.name if table else rec.decision_id, rec.table_version, rec.packs or [],
                            rec.rows, numbers, sentence, inputs, convert.untagged(rec.outputs)))
    return out
