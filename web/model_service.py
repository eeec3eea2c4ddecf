"""The model editor's operations (issue 13 point 2), shared by the session routes under
/admin/models/… (web/pages/model_api.py) and their /api/v1 twins (web/api/modeler.py): both call
these, and these call the same engine functions as the upload (engine.definitions.deploy)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from engine.base.db import db
from engine.base.errors import DeploymentError, ElementError, NotFound, ValidationFailed
from engine.base.model_admin import ModelDraft
from engine.base.models import ProcessModelVersion
from engine.definitions import deploy as deployment
from engine.definitions import drafts, model_templates
from engine.definitions.deploy import active_version_id, version_of
from engine.views import model_compare
from web.labels import labels
from web.model_catalogue import property_label

KEY = re.compile(r"^[a-z][a-z0-9_]{2,59}$")
_FILE_NAME = re.compile(r"^(?!/)(?!.*\.\.)[\w\-./]{1,200}\.(bpmn|dmn)$")


def as_bytes(files: dict[str, str]) -> dict[str, bytes]:
    """The editor's files as the deployment reads them; a bad name or size is an error on its file."""
    limit = current_app.config["MODEL_FILE_MAX_BYTES"]
    errors, found = [], {}
    for name, text in files.items():
        if not _FILE_NAME.match(name):
            errors.append(ElementError(name, None, "文件名须以 .bpmn 或 .dmn 结尾，且不含 .. 或以 / 开头"))
            continue
        content = text.encode("utf-8")
        if len(content) > limit:
            errors.append(ElementError(name, None, f"文件超过大小上限 {limit // 1024} KB"))
            continue
        found[name] = content
    if not files:
        errors.append(ElementError(None, None, "没有文件"))
    if errors:
        raise DeploymentError(errors)
    return found


def active_version(key: str, *, content: bool = False) -> ProcessModelVersion | None:
    version_id = active_version_id(key)
    return None if version_id is None else db.session.get(ProcessModelVersion, version_id)


def known(key: str) -> None:
    """404 unless `key` has a deployed version or a draft (a new model starts as a draft)."""
    if active_version_id(key) is None and drafts.get(key) is None:
        raise NotFound(f"没有流程模型 “{key}”")


def model(key: str) -> dict[str, Any]:
    """What the editor opens: the draft when there is one, else the active version's files."""
    draft, version = drafts.get(key), active_version(key)
    if draft is None and version is None:
        raise NotFound(f"没有流程模型 “{key}”")
    files = draft.files if draft is not None else version.files
    encoded = {n: t.encode("utf-8") for n, t in files.items()}
    return {"key": key, "name": process_name(key, files, version.name if version is not None else key),
            "source": "draft" if draft is not None else "version",
            "version": None if draft is not None else version.version,
            "main_file": deployment.main_file(encoded, key) or next(iter(sorted(files)), None),
            "files": files,
            "draft": None if draft is None else {"saved_at": draft.saved_at.isoformat(),
                                                 "saved_by_name": labels().person(draft.saved_by),
                                                 "note": draft.note}}


def process_name(key: str, files: dict[str, str], fallback: str) -> str:
    """The name drawn on process `key` in `files` (a draft has no stored name), else `fallback`."""
    for text in files.values():
        match = re.search(r"<(?:\w+:)?process\b[^>]*\bid=\"" + re.escape(key) + r"\"[^>]*>", text)
        if match and (name := re.search(r"\bname=\"([^\"]*)\"", match.group(0))):
            return name.group(1)
    return fallback


def validate(key: str, files: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Exactly the deployment's checks, nothing written: errors and warnings even when it fails."""
    known(key)
    try:
        checked = deployment.check(as_bytes(files), key)
    except DeploymentError as err:
        return {"errors": [e.as_dict() for e in err.errors], "warnings": []}
    return {"errors": [e.as_dict() for e in checked.errors], "warnings": [w.as_dict() for w in checked.warnings]}


def save_draft(key: str, files: dict[str, str], note: str, username: str) -> dict[str, Any]:
    known(key)
    as_bytes(files)  # names and sizes as a deployment would take them; content may be unfinished
    draft = drafts.save(key, files, username, note)
    return {"saved_at": draft.saved_at.isoformat(), "saved_by_name": labels().person(draft.saved_by)}


def discard_draft(key: str) -> None:
    known(key)
    drafts.discard(key)


def deploy(key: str, files: dict[str, str], username: str) -> tuple[ProcessModelVersion, bool]:
    """Deploy the editor's files as `key` (the upload's checks and store); the draft goes."""
    known(key)
    version, created = deployment.deploy(as_bytes(files), username, key=key)
    drafts.discard(key)
    return version, created


def deployed(version: ProcessModelVersion, created: bool, versions_url: str) -> dict[str, Any]:
    return {"version": version.version, "created": created, "warnings": list(version.warnings or []),
            "versions_url": versions_url}


def version_rows(key: str) -> list[ProcessModelVersion]:
    """The key's versions, newest first (404 for a key with neither version nor draft)."""
    rows = list(db.session.scalars(select(ProcessModelVersion).where(ProcessModelVersion.key == key)
                                   .order_by(ProcessModelVersion.version.desc())))
    if not rows:
        known(key)
    return rows


def versions(key: str) -> list[dict[str, Any]]:
    active, names = active_version_id(key), labels()
    return [{"version": v.version, "name": v.name, "deployed_by": v.deployed_by,
             "deployed_by_name": names.person(v.deployed_by), "deployed_at": v.deployed_at.isoformat(),
             "activated_at": v.activated_at.isoformat() if v.activated_at else None, "active": v.id == active,
             "warnings": len(v.warnings or [])} for v in version_rows(key)]


def templates_dir() -> Path:
    return Path(current_app.config["WORKFLOWS_DIR"]) / deployment.TEMPLATES_DIR


def editor_url(key: str) -> str:
    """The editor page (branch modeler-ui: GET /admin/models/<key>/editor)."""
    return f"/admin/models/{key}/editor"


def new_model(values: dict[str, str], username: str) -> ModelDraft:
    """A new model: the template with the key and name filled in, saved as the key's draft."""
    choices = {t.code for t in model_templates.available(templates_dir())}
    key, name, template = (values.get(k, "").strip() for k in ("key", "name", "template"))
    errors: dict[str, list[str]] = {}
    if not KEY.match(key):
        errors["key"] = ["模型标识须以小写字母开头，只含小写字母、数字和下划线，3–60 个字符"]
    elif _claimed(key):
        errors["key"] = [f"模型标识 “{key}” 已被使用"]
    if not name:
        errors["name"] = ["请填写模型名称"]
    elif len(name) > 200:
        errors["name"] = ["不超过 200 字"]
    if template not in choices:
        errors["template"] = ["请选择模板"]
    if errors:
        raise ValidationFailed(errors)
    return drafts.save(key, model_templates.instantiate(templates_dir(), template, key, name), username, "由模板新建")


def _claimed(key: str) -> bool:
    """Whether `key` is taken, asked under the key's model lock (held to the commit): of two
    administrators creating the same key at once, the second waits and then sees the first's draft."""
    deployment.lock_model(key)
    return active_version_id(key) is not None or drafts.get(key) is not None


def comparison(key: str, before: int, after: int) -> dict[str, Any]:
    """Two versions compared (engine.views.model_compare) with Chinese type and property names."""
    old, new = version_of(key, before), version_of(key, after)
    found, names = model_compare.as_json(model_compare.compare(old.files, new.files)), labels()
    for element in [*found["added"], *found["removed"], *found["changed"]]:
        element["type_name"] = names.element_type(element["type"])
        for change in element.get("changes", []):
            change["label"] = property_label(change["property"])
    return {"from_version": before, "to_version": after, **found}
