"""Third parties, experts and engagements (entities §3.13)."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budget.calc.parties import TIERS
from budget.models._base import JSON, MONEY, SCORE, RecordMixin, one_of
from engine.base.db import db
from engine.base.identity import RoleAssignment, User

FIRM_STATUSES = ("ACTIVE", "WARNED", "SUSPENDED")
ENGAGEMENT_TYPES = ("EXANTE", "TARGET_KEY_REVIEW", "SPOT_CHECK", "RE_EVAL", "KEY_EVAL", "FOLLOW_UP",
                    "COST_ANALYSIS", "KEY_MONITORING")  # KEY_MONITORING: CA-5 tracked by a third party
ENGAGEMENT_STATUSES = ("PROPOSED", "ACCEPTED", "RETURNED", "IN_PROGRESS", "DELIVERED", "CLOSED",
                       "CANCELLED")
OPEN_ENGAGEMENT = ("PROPOSED", "ACCEPTED", "IN_PROGRESS", "DELIVERED")  # counts as a firm's load
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"


class ThirdPartyOrg(RecordMixin, db.Model):
    __tablename__ = "third_party_org"
    __table_args__ = (one_of("tier", TIERS), one_of("status", FIRM_STATUSES))

    code: Mapped[str] = mapped_column(String(10), unique=True)  # TP-A …
    name: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    qualifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    pool_since: Mapped[date | None]
    quality_score_latest: Mapped[Decimal | None] = mapped_column(SCORE)
    fee_coefficient: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    tier: Mapped[str] = mapped_column(String(1), default="B")
    status: Mapped[str] = mapped_column(String(10), default="ACTIVE")
    conflict_orgs: Mapped[list[str]] = mapped_column(JSON, default=list)  # department/unit codes

    def lead_usernames(self) -> list[str]:
        """主评人 = active users of this firm holding TP_LEAD (the user list is the truth)."""
        stmt = (
            select(User.username)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(User.org_code == self.code, User.active.is_(True), RoleAssignment.role == "TP_LEAD")
            .order_by(User.username)
            .distinct()
        )
        return list(db.session.scalars(stmt))


class Expert(RecordMixin, db.Model):
    __tablename__ = "expert"
    __table_args__ = (one_of("pool_status", ("ACTIVE", "INACTIVE")),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), unique=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)  # e01 …
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str | None] = mapped_column(String(40))
    employer: Mapped[str | None] = mapped_column(String(100))
    pool_status: Mapped[str] = mapped_column(String(8), default="ACTIVE")
    conflict_orgs: Mapped[list[str]] = mapped_column(JSON, default=list)
    rating: Mapped[Decimal | None] = mapped_column(SCORE)

    user: Mapped[User] = relationship(lazy="joined")


class Engagement(RecordMixin, db.Model):
    __tablename__ = "engagement"
    __table_args__ = (one_of("type", ENGAGEMENT_TYPES), one_of("status", ENGAGEMENT_STATUSES))

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("third_party_org.id"), index=True)
    tp_lead_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    type: Mapped[str] = mapped_column(String(18))
    object_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    contract_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    scope: Mapped[str | None] = mapped_column(String(500))
    training_done: Mapped[bool] = mapped_column(default=False)
    scoring_guide: Mapped[list] = mapped_column(JSON, default=list)
    quality_score: Mapped[Decimal | None] = mapped_column(SCORE)
    fee_coefficient: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    status: Mapped[str] = mapped_column(String(12), default="PROPOSED")
    instance_id: Mapped[str | None] = mapped_column(String(36))

    org: Mapped[ThirdPartyOrg] = relationship()
