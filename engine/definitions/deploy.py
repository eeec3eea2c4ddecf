"""Deploying a set of BPMN/DMN files as one content-hashed, immutable model version."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from sqlalchemy import func, select, text
from sqlalchemy.orm import undefer_group

from engine.base.db import db, utcnow
from engine.base.errors import DeploymentError, ElementError, NotFound
from engine.base.models import ProcessModelVersion
from engine.definitions import condition_sources, dataflow_check, decision_tables, xmlsafe
from engine.definitions import specs as spec_mod
from engine.definitions.forms_catalog import definitions
from engine.definitions.start_timers import schedule_start_events
from engine.definitions.validate import check_specs
from forms.fields import INT_MAX

NS = {"bpmn": spec_mod.BPMN_NS}


def content_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()


def _process_index(roots: dict[str, etree._Element]) -> tuple[dict[str, str], dict[str, set[str]], set[str]]:
    """process id -> file, process id -> called process ids, executable process ids."""
    file_of: dict[str, str] = {}
    calls: dict[str, set[str]] = {}
    executable: set[str] = set()
    for name, root in roots.items():
        for proc in root.iterfind(".//bpmn:process", NS):
            pid = proc.get("id")
            file_of[pid] = name
            calls[pid] = {c.get("calledElement") for c in proc.iterfind(".//bpmn:callActivity", NS)}
            if proc.get("isExecutable", "false") == "true":
                executable.add(pid)
    return file_of, calls, executable


def choose_key(index: tuple[dict[str, str], dict[str, set[str]], set[str]], key: str | None) -> str:
    file_of, calls, executable = index
    if key:
        if key not in file_of:
            raise DeploymentError([ElementError(None, key, f"文件中没有流程 “{key}”")])
        return key
    called = set().union(*calls.values()) if calls else set()
    candidates = sorted(executable - called)
    if not file_of:
        raise DeploymentError([ElementError(None, None, "文件中没有 BPMN 流程（bpmn:process）")])
    if not candidates:
        pids = ", ".join(sorted(file_of))
        raise DeploymentError([ElementError(file_of[sorted(file_of)[0]], sorted(file_of)[0],
                                            f"没有可执行的主流程（isExecutable=\"true\" 且未被调用）：{pids}")])
    if len(candidates) > 1:
        raise DeploymentError([ElementError(None, None, f"有多个可执行主流程，请指定 key：{', '.join(candidates)}")])
    return candidates[0]


@dataclass
class Checked:
    """What the deployment checks found in a file set: the main process, its specs and forms,
    the errors that refuse it and the defaults it gets (warnings). Nothing written yet."""

    key: str
    files: dict[str, bytes]  # UTF-8
    name: str
    processes: list[str]
    used_forms: set[str]
    form_defs: dict[str, Any]
    errors: list[ElementError] = field(default_factory=list)
    warnings: list[ElementError] = field(default_factory=list)


def check(files: dict[str, bytes], key: str | None = None) -> Checked:
    """Every deployment check, nothing written: the upload, the editor's validation and its
    deploy all call this, so their messages cannot differ. Raises DeploymentError when the set
    cannot even be parsed into specs; element-level problems are in `errors`/`warnings`."""
    if not files:
        raise DeploymentError([ElementError(None, None, "没有上传文件")])
    parser, roots = spec_mod.build_parser(files)  # each file parsed safely, in whatever encoding it came
    # versions store their files as UTF-8 text: a UTF-16 (or other) model is re-serialized as UTF-8
    files = {name: xmlsafe.as_utf8(content) for name, content in files.items()}
    index = _process_index(roots)
    key = choose_key(index, key)
    file_of = index[0]
    try:
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as err:
        raise DeploymentError(_at_callers(spec_mod.spiff_error(err), str(err), roots)) from None
    except Exception as err:  # noqa: BLE001  (Spiff raises plain exceptions for some model errors)
        raise DeploymentError([ElementError(file_of.get(key), key, f"流程无法解析：{err}")]) from None
    missing = [name for name, s in subprocess_specs.items() if s is None]
    if missing:
        raise DeploymentError([ElementError(None, m, f"被调用的流程 “{m}” 不在上传的文件中") for m in missing])
    form_defs = definitions()
    warnings: list[ElementError] = []
    errors, used_forms = check_specs({key: spec, **subprocess_specs}, file_of, form_defs, warnings)
    def at(pid: str, element: str, msg: str) -> None:
        errors.append(ElementError(file_of.get(pid), element, msg))

    dataflow_check.check({key: spec, **subprocess_specs}, form_defs, at)
    condition_sources.check({key: spec, **subprocess_specs}, at, condition_sources.flow_finder(roots.values()))
    return Checked(key=key, files=files, name=getattr(spec, "description", None) or key,
                   processes=sorted({key, *subprocess_specs}), used_forms=used_forms, form_defs=form_defs,
                   errors=errors, warnings=warnings)


def deploy(files: dict[str, bytes], deployed_by: str | None = None, key: str | None = None) -> tuple[
        ProcessModelVersion, bool]:
    """Validate and store a new version; return (version, created). Same content → the
    existing version. Nothing is written when anything is wrong."""
    checked = check(files, key)
    if checked.errors:
        raise DeploymentError(checked.errors)
    return store(checked, deployed_by)


def store(checked: Checked, deployed_by: str | None) -> tuple[ProcessModelVersion, bool]:
    """Store a checked set without errors as the next version of its key (or re-activate the
    version with the same content)."""
    key, files = checked.key, checked.files
    digest = content_hash(files)
    lock_model(key)
    existing = db.session.scalar(
        select(ProcessModelVersion).where(ProcessModelVersion.key == key, ProcessModelVersion.content_hash == digest)
    )
    if existing is not None:
        if existing.id != active_version_id(key):  # older content again: it becomes the one that starts
            existing.activated_at = utcnow()
            db.session.flush()
            schedule_start_events(existing)
        return existing, False
    last = db.session.scalar(select(func.max(ProcessModelVersion.version)).where(ProcessModelVersion.key == key))
    version = ProcessModelVersion(
        key=key,
        version=(last or 0) + 1,
        name=checked.name,
        content_hash=digest,
        files={name: content.decode("utf-8") for name, content in files.items()},
        forms={k: checked.form_defs[k] for k in sorted(checked.used_forms)},
        processes=checked.processes,
        deployed_by=deployed_by,
        warnings=[w.as_dict() for w in checked.warnings],
        activated_at=utcnow(),
    )
    db.session.add(version)
    db.session.flush()
    schedule_start_events(version)
    decision_tables.register_deployed(files, deployed_by)
    return version, True


def main_file(files: dict[str, bytes], key: str) -> str | None:
    """The file that holds process `key` (the one an editor edits)."""
    roots = {}
    for name, content in files.items():
        try:
            roots[name] = xmlsafe.parse(content)
        except xmlsafe.UnsafeXml:
            continue
    return _process_index(roots)[0].get(key)


_MISSING_PROCESS = re.compile(r"The process '(.+?)' was not found")


def _at_callers(error: ElementError, spiff_text: str, roots: dict[str, etree._Element]) -> list[ElementError]:
    """Spiff names no element when a called process is missing: pin it on every call activity
    that calls it, so the editor and the deploy page show where."""
    missing = _MISSING_PROCESS.search(spiff_text)
    if error.element_id or missing is None:
        return [error]
    callers = [ElementError(name, call.get("id"), error.message) for name, root in roots.items()
               for call in root.iterfind(".//bpmn:callActivity", NS) if call.get("calledElement") == missing.group(1)]
    return callers or [error]


def lock_model(key: str) -> None:
    """Deployments and activations of one model key serialise on this transaction-scoped lock."""
    db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})


def version_of(key: str, number: int) -> ProcessModelVersion:
    """Version `number` of `key`; NotFound when there is none."""
    found = None
    if 1 <= number <= INT_MAX:  # a number PostgreSQL's integer cannot hold names no version
        found = db.session.scalar(select(ProcessModelVersion).where(
            ProcessModelVersion.key == key, ProcessModelVersion.version == number))
    if found is None:
        raise NotFound(f"流程模型 “{key}” 没有版本 {number}")
    return found


def active_version_id(key: str) -> Any:
    """The id of the version of `key` new instances start from: the one activated last."""
    return db.session.scalar(select(ProcessModelVersion.id).where(ProcessModelVersion.key == key)
                             .order_by(ProcessModelVersion.activated_at.desc(), ProcessModelVersion.version.desc())
                             .limit(1))


def latest_versions(*, content: bool = False) -> list[ProcessModelVersion]:
    """The active version (the one new instances start from: activated last, normally the newest)
    of every deployed model key, ordered by key; `content`: with their files and forms (deferred
    otherwise)."""
    query = select(ProcessModelVersion).options(undefer_group("content")) if content else select(ProcessModelVersion)
    return list(db.session.scalars(
        query.distinct(ProcessModelVersion.key)
        .order_by(ProcessModelVersion.key, ProcessModelVersion.activated_at.desc(),
                  ProcessModelVersion.version.desc())))


TEMPLATES_DIR = "templates"  # new models start from these (engine.definitions.model_templates): never deployed


def closure_files(workflows_dir: Path) -> dict[str, dict[str, bytes]]:
    """For each root process under `workflows_dir`: the files of its call closure and the DMN
    files it uses (docs/design.md, deployment sets)."""
    files = {str(p.relative_to(workflows_dir)): p.read_bytes()
             for p in sorted(workflows_dir.rglob("*")) if p.suffix in (".bpmn", ".dmn")
             and p.relative_to(workflows_dir).parts[0] != TEMPLATES_DIR}
    roots = {name: etree.fromstring(content) for name, content in files.items()}
    bpmn = {n: r for n, r in roots.items() if spec_mod.kind_of(r) == "bpmn"}
    dmn_of = {d.get("id"): n for n, r in roots.items() if spec_mod.kind_of(r) == "dmn"
              for d in r.iter("{*}decision")}
    file_of, calls, executable = _process_index(bpmn)
    called = set().union(*calls.values()) if calls else set()
    sets: dict[str, dict[str, bytes]] = {}
    for root_pid in sorted(executable - called):
        todo, seen = [root_pid], set()
        while todo:
            pid = todo.pop()
            if pid in seen or pid not in file_of:
                continue
            seen.add(pid)
            todo.extend(calls.get(pid, ()))
        names = {file_of[p] for p in seen}
        for name in list(names):
            for ref in _decision_refs(bpmn[name]):
                if ref in dmn_of:
                    names.add(dmn_of[ref])
        sets[root_pid] = {n: files[n] for n in sorted(names)}
    return sets


def _decision_refs(root: etree._Element) -> set[str]:
    refs = set()
    for el in root.iter("{*}calledDecisionId"):
        if el.text:
            refs.add(el.text.strip())
    return refs


def deploy_folder(workflows_dir: Path, deployed_by: str | None = "system") -> list[tuple[Any, bool]]:
    return [deploy(files, deployed_by, key=key) for key, files in closure_files(workflows_dir).items()]
