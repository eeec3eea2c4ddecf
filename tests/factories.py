"""Small builders for tests: users with roles, the example model deployed."""
from __future__ import annotations

from pathlib import Path

from engine.base.db import db
from engine.base.identity import RoleAssignment, User

ROOT = Path(__file__).resolve().parent.parent
FAST_HASH = "pbkdf2:sha256:1000"  # tests only: the product uses scrypt N=2^17
PASSWORD = "secret-pass"


def make_user(username: str, *roles: tuple[str, str, str | None], name: str | None = None) -> User:
    user = User(username=username, name=name or username)
    user.set_password(PASSWORD, method=FAST_HASH)
    for role, scope_type, scope_id in roles:
        user.roles.append(RoleAssignment(role=role, scope_type=scope_type, scope_id=scope_id))
    db.session.add(user)
    db.session.flush()
    return user


EXAMPLE_MODEL = ROOT / "tests" / "models" / "ex_two_step_approval.bpmn"


def deploy_example() -> None:
    """The two-step approval model (fill → approve → gateway → script → end) of tests and bench."""
    from engine.definitions.deploy import deploy

    deploy({EXAMPLE_MODEL.name: EXAMPLE_MODEL.read_bytes()}, "test")
    db.session.commit()


THREE_STEP_MODEL = ROOT / "tests" / "models" / "ex_three_step_review.bpmn"


def deploy_three_step() -> None:
    """fill (UNIT_FILER, EX-01) → check (UNIT_HEAD, F-00, batch approval) → approve (FIN_PERF, F-00)."""
    from engine.definitions.deploy import deploy

    deploy({THREE_STEP_MODEL.name: THREE_STEP_MODEL.read_bytes()}, "test")
    db.session.commit()


def expense(items: int = 3) -> dict:
    return {
        "subject": "购置办公设备",
        "amount": "12.5",
        "purpose": "为新设立的科室购置必要的办公设备。",
        "items": [{"item": f"设备{i}", "quantity": 2, "unit_price": "0.35"} for i in range(items)],
    }


def deploy_shipped() -> None:
    from engine.definitions.deploy import deploy_folder

    deploy_folder(ROOT / "workflows", "test")
    db.session.commit()
