"""The dependency direction of ../shared/DESIGN.md §1: web → budget → engine → forms."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"forms": set(), "engine": {"forms"}, "budget": {"engine", "forms"}}
OURS = {"web", "budget", "engine", "forms"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependency_direction(package: str):
    offenders = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = _imports(path) - ALLOWED[package] - {package}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_a_violation_is_detected(tmp_path: Path):
    sample = tmp_path / "x.py"
    sample.write_text("from web.api import api\nimport budget.models\n")
    assert _imports(sample) == {"web", "budget"}
