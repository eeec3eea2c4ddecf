"""The dependency direction (docs/design.md "Engine wings"): web → budget → engine → forms, the
engine's wings one way, no import circle in any package, no Flask in the engine but its database
handle, the domain's process families apart and its computations pure. import-linter checks the contracts in pyproject.toml; these tests run it on the real tree
and show, on a copy with one planted import, that each kind of violation fails."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("web", "budget", "engine", "forms")
LINT = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {
    "layers": "web → budget → engine → forms",
    "wings": "engine wings, highest first",
    "acyclic": "no import circle inside any package",
    "flask": "Flask stays out of the engine except where the database session is bound",
    "domain": "domain: families → shared → models → calc",
    "pure-calc": "budget.calc is pure: no database, engine, Flask or records",
}


def lint(where: Path) -> tuple[int, str]:
    done = subprocess.run([str(LINT), "--no-cache"], cwd=where, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def verdicts(output: str) -> dict[str, str]:
    found = {}
    for key, name in CONTRACTS.items():
        line = next((ln for ln in output.splitlines() if ln.startswith(f"{name} ")), "")
        found[key] = "KEPT" if " KEPT" in line else "BROKEN" if " BROKEN" in line else "?"
    return found


def test_the_real_tree_keeps_every_contract():
    code, output = lint(ROOT)
    assert verdicts(output) == dict.fromkeys(CONTRACTS, "KEPT"), output
    assert code == 0


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A copy of the four packages' Python files and the contracts, for planting an import."""
    keep_py = shutil.ignore_patterns("__pycache__", "static", "templates", "*.yaml", "*.yml", "*.md", "*.json")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=keep_py)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def plant(tree: Path, module: str, line: str) -> None:
    path = tree / f"{module.replace('.', '/')}.py"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # planted\n", encoding="utf-8")


def test_the_copy_is_what_is_checked(tree: Path):
    code, output = lint(tree)
    assert code == 0 and verdicts(output) == dict.fromkeys(CONTRACTS, "KEPT"), output


@pytest.mark.parametrize(("module", "line", "broken"), [
    # forms imports nobody of ours
    ("forms.errors", "import engine.base.errors", {"layers"}),
    # a lower wing reaching up (it is a circle between the two wings too)
    ("engine.base.errors", "import engine.moves.runtime", {"wings", "acyclic"}),
    # a circle inside one wing: runtime imports state
    ("engine.moves.state", "import engine.moves.runtime", {"acyclic"}),
    # a circle inside forms
    ("forms.ctx", "import forms.rules", {"acyclic"}),
    # Flask's current_app in the engine
    ("engine.time.clock", "from flask import current_app", {"flask"}),
    # one process family reaching into another
    ("budget.common.experts", "import budget.p1_intake.helpers", {"domain"}),
    # the database in a pure computation
    ("budget.calc.scores", "import sqlalchemy", {"pure-calc"}),
])
def test_a_planted_violation_fails(tree: Path, module: str, line: str, broken: set[str]):
    plant(tree, module, line)
    code, output = lint(tree)
    assert code != 0
    assert {k for k, v in verdicts(output).items() if v == "BROKEN"} == broken, output
