"""Users and role assignments with data scopes (domain README §2, entities §3.1).

A lane names a role code; a user may act on a task of that lane when one of their role
assignments covers the task's scope. Scopes are plain codes so the engine needs no org tables:
UNIT → unit code (D01-U02), DEPARTMENT → department code (D01), DIVISION → finance division code
(FD-EDU), ALL → everything, ENGAGEMENT → only tasks assigned to the user by name.
"""
from __future__ import annotations

import secrets
import uuid
from collections import Counter
from datetime import date, datetime
from functools import cache

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from engine.base.db import db, new_id, utcnow

# OWASP minimum for scrypt; Werkzeug's default (N=2^15) is below it (notes/engineering.md §3.3).
PASSWORD_METHOD = "scrypt:131072:8:1"

SCOPE_TYPES = ("UNIT", "DEPARTMENT", "DIVISION", "ALL", "ENGAGEMENT")
# Password checks per hash method ("scrypt:131072:8:1"): authenticate() does the same work
# whether the user exists or not, and tests read this to see it.
HASH_CHECKS: Counter[str] = Counter()


class User(db.Model):
    __tablename__ = "app_user"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    org_code: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(120))
    mobile: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sessions and API tokens carry it; logout replaces it, which ends every one issued before.
    session_nonce: Mapped[str | None] = mapped_column(String(32))

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def set_password(self, password: str, method: str = PASSWORD_METHOD) -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and _check(self.password_hash, password)

    def current_nonce(self) -> str:
        """The nonce sessions and tokens issued now carry (made on first use; the caller commits)."""
        if not self.session_nonce:
            self.session_nonce = secrets.token_hex(16)
        return self.session_nonce

    def end_sessions(self) -> None:
        """Logout: every session cookie and API token issued before stops working."""
        self.session_nonce = secrets.token_hex(16)

    def role_codes(self, on: date | None = None) -> set[str]:
        return {r.role for r in self.roles if r.valid_on(on)}

    # Flask-Login protocol, kept here so the web layer needs no wrapper class.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class RoleAssignment(db.Model):
    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role", "scope_type", "scope_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    scope_type: Mapped[str] = mapped_column(String(12))
    scope_id: Mapped[str | None] = mapped_column(String(40))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]

    user: Mapped[User] = relationship(back_populates="roles")

    def valid_on(self, on: date | None = None) -> bool:
        on = on or date.today()
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


def _check(password_hash: str, password: str) -> bool:
    HASH_CHECKS[password_hash.split("$", 1)[0]] += 1
    return check_password_hash(password_hash, password)


@cache
def _dummy_hash() -> str:
    """A hash of nothing anyone types, made once per process with the product's method."""
    return generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


def authenticate(username: str, password: str) -> User | None:
    """The active user with this name and password, or None. An unknown or inactive name is
    checked against a dummy scrypt hash, so the answer takes as long as a wrong password does
    and does not tell which names exist."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.password_hash:
        _check(_dummy_hash(), password)
        return None
    return user if user.check_password(password) else None
