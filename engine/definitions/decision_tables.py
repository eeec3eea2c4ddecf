"""Decision tables under versions and the decisions they take (docs/design.md "Decision tables and rule
versions (issue 13)").

- A table's versions live in `decision_table_version`; the one in force for a decision is the ACTIVE
  version with the latest effective date not after the moment of the decision (engine clock). A table
  with no registered version runs as deployed.
- `EngineBusinessRuleTask` evaluates the table in force, remembers the rows that matched and what the
  table read, and leaves a record on the move's script engine; `flush` writes a move's records in one
  INSERT (engine.moves.sidetables).
"""
from __future__ import annotations

import ast
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.dmn.specs.model import HitPolicy
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.util.deep_merge import DeepMerge
from sqlalchemy import func, insert, select

from engine.base import convert
from engine.base.db import db, utcnow
from engine.base.decision_models import DecisionRecord, DecisionTableVersion
from engine.base.models import ProcessInstance
from engine.definitions import xmlsafe

DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)


def text_hash(content: str | bytes) -> str:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(raw).hexdigest()


def decision_of(root: etree._Element) -> tuple[str | None, str]:
    """The decision id and name of a DMN document (one decision per file, docs/design.md)."""
    decision = root.find("{*}decision")
    if decision is None:
        return None, ""
    return decision.get("id"), decision.get("name") or ""


# --- parsed tables, by content ------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    """A parsed table: Spiff's DMN engine and the names its cells read (the inputs a decision keeps)."""

    decision_id: str
    name: str
    content_hash: str
    engine: DMNEngine
    names: tuple[str, ...]


_tables: OrderedDict[str, Table] = OrderedDict()
_tables_lock = threading.Lock()
_TABLE_CACHE = 64


def parse_table(content: str) -> Table:
    """Parse one DMN document (cached by content hash). Raises ValueError on a file that is not one."""
    key = text_hash(content)
    with _tables_lock:
        found = _tables.get(key)
        if found is not None:
            _tables.move_to_end(key)
            return found
    root = xmlsafe.parse(content.encode("utf-8"))
    decision_id, name = decision_of(root)
    if decision_id is None:
        raise ValueError("不是决策表文件（缺少 decision 元素）")
    parser = BpmnDmnParser()
    parser.add_dmn_xml(root, filename=f"{decision_id}.dmn")
    engine = parser.get_engine(decision_id, root)
    table = Table(decision_id, name, key, engine, tuple(sorted(names_read(engine.decision_table))))
    with _tables_lock:
        _tables[key] = table
        while len(_tables) > _TABLE_CACHE:
            _tables.popitem(last=False)
    return table


def expressions(decision_table: Any) -> list[str]:
    """Every Python text of a table: input expressions, input entries (with `?`), output entries."""
    texts = [i.expression for i in decision_table.inputs if i.expression]
    for rule in decision_table.rules:
        texts += [lhs for entry in rule.inputEntries for lhs in entry.lhs if lhs]
        texts += [entry.text for entry in rule.outputEntries if entry.text]
    return texts


_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # Spiff's: `?` outside quotes


def names_read(decision_table: Any) -> set[str]:
    names: set[str] = set()
    for text in expressions(decision_table):
        try:
            tree = ast.parse(_QUESTION.sub("dmninputexpr", text).strip(), mode="eval")
        except SyntaxError:
            try:  # an entry like `> 5` reads as `v > 5`
                tree = ast.parse("dmninputexpr " + text.strip(), mode="eval")
            except SyntaxError:
                continue
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return names - {"dmninputexpr", "True", "False", "None"}


def result_of(rules: list[Any], hit_policy: str, task: Any) -> dict[str, Any]:
    """DMNEngine.result from rows already matched (each row evaluated once)."""
    result: dict[str, Any] = {}
    if hit_policy == HitPolicy.COLLECT.value:
        for rule in rules:
            for key, value in rule.output_as_dict(task).items():
                result.setdefault(key, []).append(value)
    elif rules:
        result = rule_outputs(rules[0], task)
    return result


def rule_outputs(rule: Any, task: Any) -> dict[str, Any]:
    return dict(rule.output_as_dict(task))


# --- the version in force ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class InForce:
    id: Any
    version: int
    content_hash: str


def in_force(at: datetime | None = None) -> dict[str, InForce]:
    """decision id -> the version in force at `at` (one query: a move asks once)."""
    at = at or utcnow()
    dtv = DecisionTableVersion
    rows = db.session.execute(
        select(dtv.decision_id, dtv.id, dtv.version, dtv.content_hash)
        .where(dtv.status == "ACTIVE", (dtv.effective_from.is_(None)) | (dtv.effective_from <= at))
        .order_by(dtv.decision_id, dtv.effective_from.desc().nulls_last(), dtv.version.desc())
        .distinct(dtv.decision_id))
    return {r.decision_id: InForce(r.id, r.version, r.content_hash) for r in rows}


def table_of_version(version_id: Any, content_hash: str) -> Table:
    with _tables_lock:
        found = _tables.get(content_hash)
    if found is not None:
        return found
    content = db.session.scalar(select(DecisionTableVersion.content).where(DecisionTableVersion.id == version_id))
    return parse_table(content)


@dataclass(frozen=True)
class Choice:
    engine: DMNEngine
    names: tuple[str, ...]
    version: int | None
    content_hash: str


# --- evaluation ----------------------------------------------------------------------------------------------

class EngineBusinessRuleTask(BusinessRuleTask):
    """Spiff's business-rule task, evaluating the table version in force and recording the decision."""

    def __init__(self, wf_spec: Any, name: str, dmnEngine: Any, decision_ref: str = "",  # noqa: N803
                 table_hash: str = "", **kwargs: Any) -> None:
        super().__init__(wf_spec, name, dmnEngine, **kwargs)
        self.decision_ref = decision_ref
        self.table_hash = table_hash
        self.table_names = tuple(sorted(names_read(dmnEngine.decision_table)))

    def _choose(self, my_task: Any) -> Choice:
        deployed = Choice(self.dmnEngine, self.table_names, None, self.table_hash)
        scripts = my_task.workflow.script_engine
        lookup = getattr(scripts, "tables_in_force", None)
        if lookup is None:  # outside a move (a model test): the deployed table
            return deployed
        found = lookup().get(self.decision_ref)
        if found is None:
            return deployed
        if found.content_hash == self.table_hash:
            return Choice(self.dmnEngine, self.table_names, found.version, found.content_hash)
        table = table_of_version(found.id, found.content_hash)
        return Choice(table.engine, table.names, found.version, found.content_hash)

    def _run_hook(self, my_task: Any) -> bool:
        try:
            choice = self._choose(my_task)
            rules = choice.engine.decide(my_task)
            outputs = result_of(rules, choice.engine.decision_table.hit_policy, my_task)
            my_task.data = DeepMerge.merge(my_task.data, outputs)
            _remember(my_task, self, choice, rules, outputs)
            super(BusinessRuleTaskMixin, self)._run_hook(my_task)
        except SpiffWorkflowException as we:
            we.add_note(f"Business Rule Task '{my_task.task_spec.bpmn_name}'.")
            raise
        except Exception as e:
            error = WorkflowTaskException(str(e), task=my_task)
            error.add_note(f"Business Rule Task '{my_task.task_spec.bpmn_name}'.")
            raise error from e
        return True


class EngineBusinessRuleTaskParser(BusinessRuleTaskParser):
    def create_task(self) -> EngineBusinessRuleTask:
        decision_ref = self.get_decision_ref(self.node)
        extensions = self.parse_extensions()
        parser = self.process_parser.parser
        return EngineBusinessRuleTask(
            self.spec, self.bpmn_id,
            dmnEngine=parser.get_engine(decision_ref, self.node),
            decision_ref=decision_ref,
            table_hash=getattr(parser, "dmn_hashes", {}).get(decision_ref, ""),
            prescript=extensions.get("preScript"), postscript=extensions.get("postScript"),
            **self.bpmn_attributes)


def _remember(task: Any, spec: EngineBusinessRuleTask, choice: Choice, rules: list[Any],
              outputs: dict[str, Any]) -> None:
    pending = getattr(task.workflow.script_engine, "decisions", None)
    if pending is None:
        return
    data = task.data
    pending.append({
        "at": utcnow(), "task_id": task.id, "task_name": spec.bpmn_id, "task_title": spec.bpmn_name,
        "decision_id": spec.decision_ref, "table_version": choice.version, "content_hash": choice.content_hash,
        "packs": list(data["packs"]) if isinstance(data.get("packs"), (list, tuple, set)) else None,
        "rows": [rule.id for rule in rules],
        "inputs": convert.tagged({n: data[n] for n in choice.names if n in data}),
        "outputs": convert.tagged(outputs),
    })


# One INSERT of every decision a move took (rows of one shape: executemany as one multi-row VALUES).
_INSERT = insert(DecisionRecord).execution_options(dml_strategy="raw", autoflush=False)


def flush(instance: ProcessInstance, scripts: Any) -> None:
    pending = getattr(scripts, "decisions", None)
    if not pending:
        return
    db.session.execute(_INSERT, [{**row, "instance_id": instance.id} for row in pending])
    pending.clear()


# --- versions that deployment brings -------------------------------------------------------------------------

def register_deployed(files: dict[str, bytes], by: str | None) -> list[DecisionTableVersion]:
    """Each DMN file of a deployed set whose content is not yet a version of its table becomes one:
    ACTIVE, in force from always when it is the table's first version, else from now (a developer
    shipped a changed table). Content already known — an administrator's newer version included —
    changes nothing, so redeploying a model does not undo an activation."""
    added = []
    for name, content in sorted(files.items()):
        root = xmlsafe.parse(content)
        if (etree.QName(root).namespace or "") not in DMN_NAMESPACES:
            continue
        decision_id, title = decision_of(root)
        if decision_id is None:
            continue
        digest = text_hash(content)
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("dmn:" + decision_id))))
        known = db.session.execute(select(DecisionTableVersion.content_hash, DecisionTableVersion.version)
                                   .where(DecisionTableVersion.decision_id == decision_id)).all()
        if any(h == digest for h, _ in known):
            continue
        row = DecisionTableVersion(
            decision_id=decision_id, version=max((v for _, v in known), default=0) + 1, name=title,
            status="ACTIVE", content=content.decode("utf-8"), content_hash=digest, source="deploy",
            note=f"随模型部署（{name}）", effective_from=utcnow() if known else None,
            created_by=by, activated_by=by, activated_at=utcnow())
        db.session.add(row)
        added.append(row)
    if added:
        db.session.flush()
    return added
