"""Load the 示例市 demo data (sample-data §8). Idempotent: rows are found by code/username and
left untouched when present, so a second run creates nothing and changes nothing."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from budget import demo_data as D
from budget.calc.domains import EXPERT_DOMAINS
from budget.calc.money import wan_to_yuan
from budget.models import (
    Department,
    Expert,
    FinanceDivision,
    Jurisdiction,
    Project,
    ProjectYear,
    ThirdPartyOrg,
)
from engine.base.db import db
from engine.base.identity import PASSWORD_METHOD, RoleAssignment, User
from engine.base.models import SiteFlag

ACTOR = "demo"


# With the history, these requests are made by P1 as it runs (budget.demo_history.fy2026): the new
# projects are not inserted, and the two renewals' old records end with their policy in 2025.
HISTORY_NEW = ("P-D01-001", "P-D02-001", "P-D03-001", "P-D05-001", "P-D05-002", "P-D11-001")
HISTORY_RENEWED = ("P-D04-002", "P-D10-001")
# With the history, the FY2023 year whose fiscal key evaluation (81) is RC-2024-001's source
# (sample-data §8.7, §8.8); §8.3 gives no FY2023 figure, so FY2024's.
HISTORY_FY2023 = ("P-D04-001",)
MAJOR_WAN = 1000  # DT-05 CORE: max(request, annual) ≥ 1,000 万
MAJOR_ROW = {"dt05_rows": ["dt05_r2"], "dt01_rows": [], "packs": ["CORE"], "decided_at": "2024-08-30T17:00:00"}


class Loader:
    def __init__(self, password: str, history: bool = False) -> None:
        self.password = password
        self.history = history
        self._hash: str | None = None
        self.created: Counter[str] = Counter()

    @property
    def password_hash(self) -> str:
        # scrypt at N=2^17 costs ~0.1 s: hash once, share it across ~100 demo users.
        if self._hash is None:
            self._hash = generate_password_hash(self.password, method=PASSWORD_METHOD)
        return self._hash

    def get_or_create(self, model: type, key: dict[str, Any], **values: Any) -> Any:
        row = db.session.scalars(select(model).filter_by(**key)).first()
        if row is None:
            row = model(**key, **values)
            if hasattr(row, "created_by"):
                row.created_by = ACTOR
            db.session.add(row)
            db.session.flush()
            self.created[model.__tablename__] += 1
        return row

    def user(self, username: str, name: str, org: str | None, role: str, scope_type: str,
             scope_id: str | None) -> User:
        user = db.session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            user = User(username=username, name=name, org_code=org, password_hash=self.password_hash)
            db.session.add(user)
            self.created["app_user"] += 1
        if not any(r.role == role and r.scope_type == scope_type and r.scope_id == scope_id for r in user.roles):
            user.roles.append(RoleAssignment(role=role, scope_type=scope_type, scope_id=scope_id))
            self.created["role_assignment"] += 1
        db.session.flush()
        return user

    def org(self) -> None:
        j = D.JURISDICTION
        self.get_or_create(Jurisdiction, {"code": j["code"]}, name=j["name"], level=j["level"],
                           packs=list(j["packs"]))
        for code, name, kind, suffix in D.DIVISIONS:
            self.get_or_create(FinanceDivision, {"code": code}, name=name, type=kind)
            if suffix:
                self.user(f"fund.{suffix}", f"示例市财政局{name} 经办人", code, "FIN_FUND", "DIVISION", code)
        for code, name, division, units, flags in D.DEPARTMENTS:
            fd = db.session.scalars(select(FinanceDivision).where(FinanceDivision.code == division)).one()
            full = D.PREFIX + name  # 市教育局 → 示例市教育局
            dept = self.get_or_create(Department, {"code": code}, name=full, kind="DEPARTMENT",
                                      fund_division_id=fd.id, large_in_year_new_spending=dict(flags))
            self.user(f"dept.{code.lower()}", f"{full} 绩效管理员", code, "DEPT_OFFICER", "DEPARTMENT", code)
            self.user(f"depthead.{code.lower()}", f"{full} 负责人", code, "DEPT_HEAD", "DEPARTMENT", code)
            for ucode, uname in units.items():
                unit_name = f"{full}（本级）" if uname is None else D.PREFIX + uname
                self.get_or_create(Department, {"code": ucode}, name=unit_name, kind="UNIT", parent_id=dept.id,
                                   fund_division_id=fd.id)
                label = full if uname is None else unit_name
                slug = ucode.lower().replace("-", "")
                self.user(f"filer.{slug}", f"{label} 经办人", ucode, "UNIT_FILER", "UNIT", ucode)
                self.user(f"head.{slug}", f"{label} 负责人", ucode, "UNIT_HEAD", "UNIT", ucode)

    def people(self) -> None:
        for row in D.FINANCE_USERS:
            self.user(*row)
        for i, (code, name, score, tier, fee, status) in enumerate(D.FIRMS):
            letter = code[-1]
            self.get_or_create(ThirdPartyOrg, {"code": code}, name=name, uscc=f"91990100MA01TP{letter}0X{i}",
                               quality_score_latest=Decimal(score), tier=tier, fee_coefficient=Decimal(fee),
                               status=status, conflict_orgs=[])
            low = letter.lower()
            self.user(f"tp.{low}.lead", f"{name} 主评人", code, "TP_LEAD", "ENGAGEMENT", code)
            self.user(f"tp.{low}.staff", f"{name} 评价人员", code, "THIRD_PARTY", "ENGAGEMENT", code)
        for code, domains, title, employer, conflicts in D.EXPERTS:
            label = "、".join(EXPERT_DOMAINS[d] for d in domains)
            user = self.user(f"expert.{code}", f"评审专家 {code}（{label}）", "EXPERT-POOL", "EXPERT",
                             "ENGAGEMENT", code)
            self.get_or_create(Expert, {"code": code}, user_id=user.id, domains=list(domains), title=title,
                               employer=employer, pool_status="ACTIVE", conflict_orgs=list(conflicts))

    def projects(self) -> None:
        for code, name, ucode, fc, fund, nc, start, end, fy24, fy25, fy26, extra in D.PROJECTS:
            if self.history and code in HISTORY_NEW:
                continue
            if self.history and code in HISTORY_RENEWED:
                end, fy26 = 2025, None
            if db.session.scalars(select(Project.id).where(Project.code == code)).first():
                continue
            unit = db.session.scalars(select(Department).where(Department.code == ucode)).one()
            head = db.session.scalars(select(User).where(User.username == f"head.{ucode.lower().replace('-', '')}")).one()
            extra = dict(extra)
            total_wan = extra.pop("total_wan", None) or sum(a for a in (fy24, fy25, fy26) if a)
            project = Project(
                code=code, name=name, department_id=unit.parent_id, unit_id=unit.id, function_category=fc,
                new_or_continuing=nc, start_year=start, end_year=end, total_amount=wan_to_yuan(total_wan),
                responsible_person_id=head.id, project_class="SPECIFIC",
                library_status="IN_LIBRARY" if fy24 is None and fy25 is None else "ACTIVE",
                created_by=ACTOR, **extra,
            )
            source, split = (D.FUNDING_CODES[fund], None) if isinstance(fund, str) else (max(fund, key=fund.get), dict(fund))
            exec_pct = D.FY2024_EXEC_PCT.get(code)
            fy23 = fy24 if self.history and code in HISTORY_FY2023 else None
            for year, amount, status in ((2023, fy23, "EVALUATED"), (2024, fy24, "EVALUATED"), (2025, fy25, "EXECUTING"),
                                         (2026, fy26, None)):
                if amount is None:
                    continue
                yuan = wan_to_yuan(amount)
                done = year < (2025 if self.history else 2026)  # with the history, P2 arranges FY2025
                status = status if done else None
                project.years.append(ProjectYear(
                    fiscal_year=year, funding_source=source, funding_split=split, requested=yuan,
                    arranged=yuan if done else None, adjusted=yuan if done else None, cycle_status=status,
                    # with the history, FY2025's P3 reads DT-05's is_major (≥ 1,000 万, sample-data §8.3),
                    # which the FY2025 request's P1 — before the demo's story — would have recorded
                    is_major=amount >= MAJOR_WAN if self.history and year == 2025 else None,
                    classification=MAJOR_ROW if self.history and year == 2025 and amount >= MAJOR_WAN else None,
                    executed=(yuan * Decimal(str(exec_pct)) / 100).quantize(Decimal("0.01"))
                    if year == 2024 and exec_pct is not None else None,
                    created_by=ACTOR,
                ))
            db.session.add(project)
            self.created["project"] += 1
            self.created["project_year"] += len(project.years)
        db.session.flush()


def mark_loaded() -> None:
    """Set the `demo_data` site flag: the accounts the login page lists (name, role, department)
    and whether they still have the README's password. Only this loader sets it."""
    orgs = {d.code: d.name for d in db.session.scalars(select(Department))}
    orgs |= {f.code: "示例市财政局" + f.name for f in db.session.scalars(select(FinanceDivision))}
    orgs |= {t.code: t.name for t in db.session.scalars(select(ThirdPartyOrg))} | D.OTHER_ORGS
    users = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_([name for name, _ in D.LOGIN_ACCOUNTS])))}
    accounts = [{"username": name, "name": users[name].name, "role": role,
                 "dept": orgs.get(users[name].org_code or "", "")}
                for name, role in D.LOGIN_ACCOUNTS if name in users]
    # One hash check (~0.1 s): the hint is only shown when it is true.
    readme_password = bool(accounts) and users[accounts[0]["username"]].check_password(D.DEFAULT_PASSWORD)
    flag = db.session.get(SiteFlag, "demo_data") or SiteFlag(key="demo_data")
    flag.value = {"accounts": accounts, "password": D.DEFAULT_PASSWORD if readme_password else None}
    db.session.add(flag)


def load_demo(password: str, history: bool = False) -> dict[str, Any]:
    """Create the demo jurisdiction, org tree, ~100 users, firms, experts and the 20 projects.
    Commits (it is a whole unit of work, called from the CLI). Returns created counts and totals.
    `history`: then play 示例市's year on the engine (budget.demo_history) — once, and only on the
    database this call filled (the models must be deployed)."""
    loader = Loader(password, history)
    loader.org()
    loader.people()
    loader.projects()
    mark_loaded()
    db.session.commit()
    totals = {
        "users": db.session.scalar(select(db.func.count()).select_from(User)),
        "projects": db.session.scalar(select(db.func.count()).select_from(Project)),
        "project_years": db.session.scalar(select(db.func.count()).select_from(ProjectYear)),
        "departments": db.session.scalar(select(db.func.count()).select_from(Department)),
        "experts": db.session.scalar(select(db.func.count()).select_from(Expert)),
        "firms": db.session.scalar(select(db.func.count()).select_from(ThirdPartyOrg)),
    }
    result: dict[str, Any] = {"created": dict(loader.created), "totals": totals}
    if history:
        from budget import demo_history

        if demo_history.played():
            result["history"] = "已载入（未重复）"
        elif loader.created["project"]:
            result["history"] = demo_history.play()
        else:
            result["history"] = "数据库中已有不含历史的示例数据，未载入历史"
    return result
