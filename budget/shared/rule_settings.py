"""A jurisdiction's rule packs and §4.4 threshold overrides in force, and their versions (issue 13
point 3): an administrator adds a DRAFT, activates it from an effective date (audited, told to
FIN_PERF and SYS_ADMIN); every starter reads `in_force` instead of the jurisdiction's columns."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from budget.calc import monitoring as calc
from budget.models import Jurisdiction, JurisdictionRuleVersion
from budget.models.org import PACKS
from engine.base.db import db, utcnow
from engine.base.errors import Conflict, NotFound, ValidationFailed
from engine.base.identity import User
from engine.base.models import AuditEvent
from engine.base.now import SHANGHAI
from engine.work.opinions import notify
from engine.work.rule_tables import NOTIFIED_ROLES, role_holders

PACK_NAMES = {"CORE": "通用规则（CORE）", "SD": "山东规则包（SD）", "SZ": "深圳规则包（SZ）", "QP": "青浦规则包（QP）",
              "FJ": "福建规则包（FJ）", "JN": "济南规则包（JN）"}

# The thresholds (budget.calc.monitoring.RULE_DEFAULTS) and their values as a person reads them.
PARAM_NAMES = {"warn_start_month": "预警起始月", "sd_key_operator": "重大项目滞后40个百分点的比较方式",
               "time_progress_mode": "时间进度口径", "yellow_response_working_days": "黄色预警说明期限（工作日）"}
PARAM_VALUES = {"sd_key_operator": {">=": "达到即预警（≥）", ">": "超过才预警（＞）"},
                "time_progress_mode": {"LINEAR_MONTH": "按月均匀", "LINEAR_DAY": "按日均匀"}}


def described(params: dict[str, Any]) -> list[tuple[str, str]]:
    """Every threshold in force (the defaults with `params` over them), named in Chinese."""
    merged = calc.rule_params(params)
    return [(PARAM_NAMES.get(k, k), PARAM_VALUES.get(k, {}).get(str(v), str(v))) for k, v in merged.items()]


@dataclass(frozen=True)
class Settings:
    packs: list[str]
    rule_params: dict[str, Any]
    version: int | None  # None: the jurisdiction's own columns (no version yet)


def in_force(jurisdiction: Jurisdiction | None, at: datetime | None = None) -> Settings:
    if jurisdiction is None:
        return Settings(["CORE"], {}, None)
    row = db.session.scalar(
        select(JurisdictionRuleVersion).where(
            JurisdictionRuleVersion.jurisdiction_id == jurisdiction.id, JurisdictionRuleVersion.status == "ACTIVE",
            JurisdictionRuleVersion.effective_from <= (at or utcnow()))
        .order_by(JurisdictionRuleVersion.effective_from.desc(), JurisdictionRuleVersion.version.desc()).limit(1))
    if row is None:
        return Settings(list(jurisdiction.packs or ["CORE"]), dict(jurisdiction.rule_params or {}), None)
    return Settings(list(row.packs), dict(row.rule_params or {}), row.version)


def jurisdiction(code: str) -> Jurisdiction:
    found = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if found is None:
        raise NotFound("辖区不存在")
    return found


def versions(j: Jurisdiction) -> list[JurisdictionRuleVersion]:
    return list(db.session.scalars(select(JurisdictionRuleVersion).where(
        JurisdictionRuleVersion.jurisdiction_id == j.id).order_by(JurisdictionRuleVersion.version.desc())))


def _checked(packs: list[str], params: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    unknown = [p for p in packs if p not in PACKS]
    if unknown:
        errors["packs"] = [f"未知的规则包：{'、'.join(unknown)}"]
    elif "CORE" not in packs:
        errors["packs"] = ["通用规则（CORE）必须启用"]
    for key, value in params.items():
        if key not in calc.RULE_DEFAULTS:
            errors.setdefault("rule_params", []).append(f"未知的阈值参数：{key}")
        elif key == "warn_start_month" and not (isinstance(value, int) and 1 <= value <= 12):
            errors.setdefault("rule_params", []).append("预警起始月须为 1–12 的整数")
        elif key == "sd_key_operator" and value not in (">=", ">"):
            errors.setdefault("rule_params", []).append("40个百分点比较方式须为 >= 或 >")
        elif key == "yellow_response_working_days" and not (isinstance(value, int) and 1 <= value <= 30):
            errors.setdefault("rule_params", []).append("黄色预警说明期限须为 1–30 个工作日")
        elif key == "time_progress_mode" and value not in ("LINEAR_MONTH", "LINEAR_DAY"):
            errors.setdefault("rule_params", []).append("时间进度口径须为 LINEAR_MONTH 或 LINEAR_DAY")
    return errors


def add_draft(j: Jurisdiction, packs: list[str], params: dict[str, Any], by: str, note: str = ""
              ) -> JurisdictionRuleVersion:
    errors = _checked(packs, params)
    packs = [p for p in PACKS if p in set(packs)]  # the catalogue's order, no duplicates
    if errors:
        raise ValidationFailed(errors)
    db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("rules:" + j.code))))
    last = db.session.scalar(select(func.max(JurisdictionRuleVersion.version)).where(
        JurisdictionRuleVersion.jurisdiction_id == j.id)) or 0
    row = JurisdictionRuleVersion(jurisdiction_id=j.id, version=last + 1, status="DRAFT", packs=packs,
                                  rule_params=dict(params), note=note.strip(), created_by=by)
    db.session.add(row)
    db.session.flush()
    return row


def version_of(j: Jurisdiction, number: int) -> JurisdictionRuleVersion:
    found = db.session.scalar(select(JurisdictionRuleVersion).where(
        JurisdictionRuleVersion.jurisdiction_id == j.id, JurisdictionRuleVersion.version == number))
    if found is None:
        raise NotFound("规则版本不存在")
    return found


def activate(j: Jurisdiction, row: JurisdictionRuleVersion, actor: User, effective_from: datetime | None = None
             ) -> JurisdictionRuleVersion:
    """DRAFT → ACTIVE from `effective_from` (not before now). New instances started from then on
    take these packs and thresholds (each instance keeps what was in force when it started)."""
    db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("rules:" + j.code))))
    db.session.refresh(row)
    if row.status != "DRAFT":
        raise Conflict("只有草稿版本可以启用")
    now = utcnow()
    when = max(effective_from or now, now)
    row.status, row.effective_from, row.activated_by, row.activated_at = "ACTIVE", when, actor.username, now
    db.session.add(AuditEvent(actor=actor.username, action="rule_settings_activated",
                              title=f"{j.name} 规则设置 第{row.version}版", comment=row.note or None,
                              detail={"jurisdiction": j.code, "version": row.version, "packs": row.packs,
                                      "rule_params": row.rule_params, "effective_from": when.isoformat()}))
    packs = "、".join(PACK_NAMES.get(p, p) for p in row.packs)
    notify(role_holders(NOTIFIED_ROLES), "rule_version", f"规则设置启用：{j.name} 第{row.version}版",
           body=f"{actor.name or actor.username} 启用了 {j.name} 的规则设置第{row.version}版，"
                f"自 {when.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 起新发起的流程适用：{packs}。{row.note or ''}".strip(),
           by=actor.username)
    return row
