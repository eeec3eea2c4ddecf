"""Decision-table versions for administrators: drafts (a whole DMN document, or the cells of the
plain editor), cell checks in Chinese, activation from an effective date (audited, told to the
performance division and the system administrators) and the what-if of a draft over the decisions
the version in force took (docs/design.md "Decision tables and rule versions (issue 13)")."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from lxml import etree
from sqlalchemy import func, select, update

from engine.base import convert
from engine.base.db import db, utcnow
from engine.base.decision_models import DecisionRecord, DecisionTableVersion, WhatIfRun
from engine.base.errors import Conflict, NotFound, ValidationFailed
from engine.base.identity import RoleAssignment, User
from engine.base.models import AuditEvent, ProcessInstance
from engine.base.now import SHANGHAI
from engine.definitions import decision_tables as dt
from engine.definitions import xmlsafe
from engine.definitions.cell_check import cell_error
from engine.definitions.sandbox import EngineScripts
from engine.dispatch import queue
from engine.work.opinions import notify

NOTIFIED_ROLES = ("FIN_PERF", "SYS_ADMIN")  # views.md §7.3: rule-table version activated
WHAT_IF_INLINE = 300  # stored decisions re-evaluated in the request; more go to a queue job
BATCH = 200


def version(version_id: Any) -> DecisionTableVersion:
    try:
        found = db.session.get(DecisionTableVersion, uuid.UUID(str(version_id)))
    except ValueError:
        found = None
    if found is None:
        raise NotFound("决策表版本不存在")
    return found


def version_of(decision_id: str, number: int) -> DecisionTableVersion:
    found = db.session.scalar(select(DecisionTableVersion).where(
        DecisionTableVersion.decision_id == decision_id, DecisionTableVersion.version == number))
    if found is None:
        raise NotFound("决策表版本不存在")
    return found


def versions(decision_id: str) -> list[DecisionTableVersion]:
    return list(db.session.scalars(select(DecisionTableVersion).where(
        DecisionTableVersion.decision_id == decision_id).order_by(DecisionTableVersion.version.desc())))


@dataclass
class TableSummary:
    decision_id: str
    name: str
    in_force: int | None
    versions: int
    drafts: int
    decisions: int = 0


def tables() -> list[TableSummary]:
    """Every table with a registered version: its name, the version in force now, counts."""
    now_in_force = dt.in_force()
    rows = db.session.execute(select(
        DecisionTableVersion.decision_id, func.max(DecisionTableVersion.name), func.count(),
        func.count().filter(DecisionTableVersion.status == "DRAFT")).group_by(DecisionTableVersion.decision_id)
        .order_by(DecisionTableVersion.decision_id)).all()
    taken = dict(db.session.execute(select(DecisionRecord.decision_id, func.count()).group_by(
        DecisionRecord.decision_id)).all())
    return [TableSummary(d, name, now_in_force[d].version if d in now_in_force else None, n, drafts, taken.get(d, 0))
            for d, name, n, drafts in rows]


def in_force_version(decision_id: str, at: datetime | None = None) -> DecisionTableVersion | None:
    found = dt.in_force(at).get(decision_id)
    return db.session.get(DecisionTableVersion, found.id) if found else None


# --- the plain editor's grid ---------------------------------------------------------------------------------

@dataclass
class Rule:
    id: str
    row: int
    description: str
    inputs: list[tuple[str, str]]  # (entry id, text)
    outputs: list[tuple[str, str]]


@dataclass
class Grid:
    decision_id: str
    name: str
    hit_policy: str
    inputs: list[str]  # the columns' labels as a person reads them (`human_label`)
    outputs: list[str]
    rules: list[Rule] = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)  # the outputs' variable names (what-if keys)

    def row_numbers(self) -> dict[str, int]:
        return {r.id: r.row for r in self.rules}

    def output_labels(self) -> dict[str, str]:
        return dict(zip(self.output_names, self.outputs, strict=False))


def human_label(label: str | None, fallback: str = "") -> str:
    """A column's label without the code the shipped tables put first ("lag_pp 滞后百分点" →
    "滞后百分点", "window from 报告后最早（月）" → "报告后最早（月）"); a label with no Chinese stays."""
    words = (label or "").split()
    while len(words) > 1 and words[0].isascii() and not " ".join(words[1:]).isascii():
        words.pop(0)
    return " ".join(words) or fallback


def _table_element(root: etree._Element) -> etree._Element:
    table = root.find("{*}decision/{*}decisionTable")
    if table is None:
        raise ValidationFailed({"content": ["文件中没有决策表（decisionTable）"]})
    return table


def grid(content: str) -> Grid:
    root = xmlsafe.parse(content.encode("utf-8"))
    decision_id, name = dt.decision_of(root)
    table = _table_element(root)
    outputs = table.findall("{*}output")
    out = Grid(decision_id or "", name, table.get("hitPolicy") or "UNIQUE",
               [human_label(i.get("label"), i.get("id")) for i in table.findall("{*}input")],
               [human_label(o.get("label"), o.get("name") or o.get("id")) for o in outputs],
               output_names=[o.get("name") or o.get("id") for o in outputs])
    for row, rule in enumerate(table.findall("{*}rule"), start=1):
        out.rules.append(Rule(
            rule.get("id"), row, rule.findtext("{*}description") or "",
            [(e.get("id"), e.findtext("{*}text") or "") for e in rule.findall("{*}inputEntry")],
            [(e.get("id"), e.findtext("{*}text") or "") for e in rule.findall("{*}outputEntry")]))
    return out


def with_cells(content: str, cells: dict[str, str], descriptions: dict[str, str]) -> str:
    """`content` with the texts of the entries named in `cells` and the rows' descriptions replaced."""
    root = xmlsafe.parse(content.encode("utf-8"))
    table = _table_element(root)
    ns = etree.QName(root).namespace
    for rule in table.findall("{*}rule"):
        if rule.get("id") in descriptions:
            desc = rule.find("{*}description")
            if desc is None:
                desc = etree.Element(f"{{{ns}}}description")
                rule.insert(0, desc)
            desc.text = descriptions[rule.get("id")].strip()
        for entry in (*rule.findall("{*}inputEntry"), *rule.findall("{*}outputEntry")):
            if entry.get("id") in cells:
                text_el = entry.find("{*}text")
                if text_el is None:
                    text_el = etree.SubElement(entry, f"{{{ns}}}text")
                text_el.text = cells[entry.get("id")].strip()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


# --- checks ----------------------------------------------------------------------------------------------------

def check(content: str, decision_id: str) -> dict[str, list[str]]:
    """Errors by place (`<entry id>` or `content`), in Chinese: the document must parse as a DMN table
    of the same decision, and every cell must be a Python expression the sandbox compiles."""
    try:
        root = xmlsafe.parse(content.encode("utf-8"))
    except xmlsafe.UnsafeXml as err:
        return {"content": [str(err)]}
    found, _ = dt.decision_of(root)
    if found != decision_id:
        return {"content": [f"决策 id 须为 {decision_id}（文件中为 {found or '无'}）"]}
    errors: dict[str, list[str]] = {}
    table = _table_element(root)
    labels = [human_label(i.get("label"), i.get("id")) for i in table.findall("{*}input")]
    outs = [human_label(o.get("label"), o.get("name")) for o in table.findall("{*}output")]
    for row, rule in enumerate(table.findall("{*}rule"), start=1):
        for kind, entries, names in (("条件", rule.findall("{*}inputEntry"), labels),
                                     ("结果", rule.findall("{*}outputEntry"), outs)):
            for col, entry in enumerate(entries):
                text = (entry.findtext("{*}text") or "").strip()
                if kind == "条件" and text in ("", "-"):
                    continue  # an empty condition (dmn-js writes "-") matches anything
                message = cell_error(text, condition=kind == "条件")
                if message:
                    place = f"“{names[col]}”列" if col < len(names) else f"第 {col + 1} 个{kind}列"
                    errors.setdefault(entry.get("id") or f"r{row}c{col}", []).append(
                        f"第 {row} 行{place}：{message}")
    if not errors:
        try:
            dt.parse_table(content)
        except Exception as err:  # noqa: BLE001  (Spiff's parser refuses the document as a whole)
            errors["content"] = [f"决策表无法解析：{err}"]
    return errors


# --- drafts and activation --------------------------------------------------------------------------------------

def add_draft(decision_id: str, content: str, by: str, *, note: str = "", based_on: int | None = None
              ) -> DecisionTableVersion:
    """A new DRAFT version (nothing is written when a cell is wrong: 422 with the errors)."""
    if not versions(decision_id):
        raise NotFound("决策表不存在")
    errors = check(content, decision_id)
    if errors:
        raise ValidationFailed(errors)
    db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("dmn:" + decision_id))))
    digest = dt.text_hash(content)
    last = db.session.scalar(select(func.max(DecisionTableVersion.version)).where(
        DecisionTableVersion.decision_id == decision_id)) or 0
    _, name = dt.decision_of(xmlsafe.parse(content.encode("utf-8")))
    row = DecisionTableVersion(decision_id=decision_id, version=last + 1, name=name, status="DRAFT",
                               content=content, content_hash=digest, source="editor", based_on=based_on,
                               note=note.strip(), created_by=by)
    db.session.add(row)
    db.session.flush()
    return row


def activate(row: DecisionTableVersion, actor: User, effective_from: datetime | None = None) -> DecisionTableVersion:
    """DRAFT → ACTIVE from `effective_from` (default now; never in the past: a decision already
    taken stays taken under the version it used). Audited, told to FIN_PERF and SYS_ADMIN."""
    db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("dmn:" + row.decision_id))))
    db.session.refresh(row)
    if row.status != "DRAFT":
        raise Conflict("只有草稿版本可以启用")
    now = utcnow()
    when = max(effective_from or now, now)
    row.status, row.effective_from, row.activated_by, row.activated_at = "ACTIVE", when, actor.username, now
    detail = {"decision_id": row.decision_id, "version": row.version, "effective_from": when.isoformat(),
              "based_on": row.based_on, "content_hash": row.content_hash}
    db.session.add(AuditEvent(actor=actor.username, action="rule_table_activated", title=f"{row.name} 第{row.version}版",
                              comment=row.note or None, detail=detail))
    local = when.astimezone(SHANGHAI)
    notify(role_holders(NOTIFIED_ROLES), "rule_version",
           f"决策表启用：{row.name} 第{row.version}版",
           body=f"{actor.name or actor.username} 启用了 {row.name} 第{row.version}版，"
                f"自 {local:%Y-%m-%d %H:%M} 起用于新的自动决策。{row.note or ''}".strip(),
           by=actor.username)
    return row


def discard(row: DecisionTableVersion, actor: User) -> None:
    if row.status != "DRAFT":
        raise Conflict("只有草稿版本可以放弃")
    row.status = "DISCARDED"


def role_holders(roles: tuple[str, ...]) -> list[str]:
    today = utcnow().date()
    rows = db.session.execute(select(User.username, RoleAssignment).join(RoleAssignment).where(
        RoleAssignment.role.in_(roles), User.active.is_(True))).all()
    return sorted({name for name, a in rows if a.valid_on(today)})


# --- what-if ------------------------------------------------------------------------------------------------------

@dataclass
class _Workflow:
    script_engine: Any
    spec: Any = field(default_factory=lambda: SimpleNamespace(file="what-if"))

    @property
    def top_workflow(self) -> _Workflow:  # Spiff's error trace walks up to the top workflow
        return self


@dataclass
class _Task:
    """What Spiff's DMN engine needs of a task: its data and its workflow's script engine (and, for
    the error it raises on a cell that fails, a spec with a name)."""

    data: dict[str, Any]
    workflow: _Workflow
    id: Any = None
    task_spec: Any = field(default_factory=lambda: SimpleNamespace(bpmn_name="what-if"))


_UNKNOWN_NAME = re.compile(r"name '([^']+)' is not defined")
_ROW = re.compile(r"on row (\d+)")


def not_evaluated(err: Exception) -> str:
    """Why a stored decision could not be re-evaluated under a draft, in Chinese: the row, and the
    data the draft reads that the decision did not record; Python's class name at most after it."""
    row = _ROW.search(" ".join([str(err), *getattr(err, "notes", [])]))
    where = f"第 {row.group(1)} 行" if row else "草稿"
    cause: BaseException | None = err
    while cause is not None and not isinstance(cause, NameError):
        cause = cause.__cause__ or cause.__context__  # Spiff wraps the script engine's error
    if cause is not None:
        name = cause.name or (found.group(1) if (found := _UNKNOWN_NAME.search(str(cause))) else "")
        return f"无法评估：{where}读取的“{name}”不在这次决策记录的输入中"
    return f"无法评估：{where}的表达式执行出错（{getattr(err, 'error_type', type(err).__name__)}）"


def outcome(table: dt.Table, inputs: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """The rows and outputs `table` gives for stored `inputs` (a fresh script budget per decision)."""
    task = _Task(dict(convert.untagged(inputs)), _Workflow(EngineScripts()))
    rules = table.engine.decide(task)
    return [r.id for r in rules], dt.result_of(rules, table.engine.decision_table.hit_policy, task)


def _stored(decision_id: str, against: DecisionTableVersion):
    return (select(DecisionRecord).where(DecisionRecord.decision_id == decision_id,
                                         DecisionRecord.content_hash == against.content_hash)
            .order_by(DecisionRecord.id))


def compare(draft: DecisionTableVersion, records: list[DecisionRecord]) -> list[dict[str, Any]]:
    """The decisions whose outcome the draft would change: instance, project, rows and outputs old → new."""
    table = dt.parse_table(draft.content)
    titles = dict(db.session.execute(select(ProcessInstance.id, ProcessInstance.title).where(
        ProcessInstance.id.in_({r.instance_id for r in records}))).all()) if records else {}
    changed = []
    for rec in records:
        old = convert.untagged(rec.outputs)
        try:
            rows, new = outcome(table, rec.inputs)
        except Exception as err:  # noqa: BLE001  (a draft reading a name the decision did not keep)
            rows, new = [], {"_error": not_evaluated(err)}
        if convert.plain(new) != convert.plain(old):
            changed.append({"decision": rec.id, "instance_id": str(rec.instance_id),
                            "title": titles.get(rec.instance_id, ""), "task_title": rec.task_title or rec.task_name,
                            "at": rec.at.isoformat(), "old_rows": rec.rows, "new_rows": rows,
                            "old": convert.plain(old), "new": convert.plain(new)})
    return changed


def start_what_if(draft: DecisionTableVersion, by: str) -> WhatIfRun:
    """Re-evaluate the stored decisions of the version in force with `draft`: at once for up to
    WHAT_IF_INLINE decisions, else a queue job with progress."""
    against = in_force_version(draft.decision_id)
    total = 0
    if against is not None:
        total = db.session.scalar(select(func.count()).select_from(_stored(draft.decision_id, against).subquery()))
    run = WhatIfRun(id=uuid.uuid4(), table_version_id=draft.id, against_version=against.version if against else None,
                    total=total, requested_by=by)
    db.session.add(run)
    if against is None or total <= WHAT_IF_INLINE:
        records = list(db.session.scalars(_stored(draft.decision_id, against))) if against else []
        run.changed, run.done, run.status, run.finished_at = compare(draft, records), total, "DONE", utcnow()
    else:
        db.session.flush()
        queue.enqueue("rules.what_if", {"run_id": str(run.id)}, key=f"what-if:{run.id}")
    return run


def what_if_run(run_id: Any) -> WhatIfRun:
    try:
        found = db.session.get(WhatIfRun, uuid.UUID(str(run_id)))
    except ValueError:
        found = None
    if found is None:
        raise NotFound("试算不存在")
    return found


@queue.job("rules.what_if", timeout=1800, max_attempts=2)
def run_what_if(payload: dict[str, Any]) -> None:
    run = db.session.get(WhatIfRun, uuid.UUID(payload["run_id"]))
    if run is None or run.status == "DONE":
        return
    draft = db.session.get(DecisionTableVersion, run.table_version_id)
    against = version_of(draft.decision_id, run.against_version)
    _progress(run.id, 0, "RUNNING")
    changed: list[dict[str, Any]] = []
    done = 0
    last_id = 0
    while True:
        batch = list(db.session.scalars(_stored(draft.decision_id, against).where(DecisionRecord.id > last_id)
                                        .limit(BATCH)))
        if not batch:
            break
        changed += compare(draft, batch)
        done += len(batch)
        last_id = batch[-1].id
        _progress(run.id, done)
    db.session.execute(update(WhatIfRun).where(WhatIfRun.id == run.id).values(
        status="DONE", done=done, total=max(done, run.total), changed=changed, finished_at=utcnow()))


def _progress(run_id: uuid.UUID, done: int, status: str | None = None) -> None:
    """Committed on a connection of its own: the page reads it while the job's transaction is open."""
    values: dict[str, Any] = {"done": done, **({"status": status} if status else {})}
    with db.engine.begin() as conn:
        conn.execute(update(WhatIfRun).where(WhatIfRun.id == run_id).values(**values))
