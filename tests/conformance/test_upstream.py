"""The upstream sweep: every model of SpiffWorkflow's own public tests (a checkout named by
`SPIFF_UPSTREAM_TESTS`, read at run time, never copied into this repository; `make
conformance-upstream SPIFF_UPSTREAM_TESTS=<dir>`), deployed, run and compared with bare
SpiffWorkflow like test_sweep.py's models. Collected only when the variable is set
(tests/conformance/conftest.py). The verdicts are written as a markdown table to
`SPIFF_UPSTREAM_REPORT` (default: upstream-sweep.md in the system's temp directory)."""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from tempfile import gettempdir

import pytest

from tests.conformance import judge, upstream

pytestmark = pytest.mark.upstream
CASES = upstream.discover(os.environ["SPIFF_UPSTREAM_TESTS"])


@pytest.fixture(scope="module")
def results(request):
    verdicts: list[tuple[str, judge.Verdict]] = []
    yield verdicts
    path = Path(os.environ.get("SPIFF_UPSTREAM_REPORT") or Path(gettempdir()) / "upstream-sweep.md")
    path.write_text(report(verdicts), encoding="utf-8")
    counts = Counter(v.outcome for _, v in verdicts)
    with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        request.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"\nupstream sweep: {dict(counts)}; table in {path}")


def report(verdicts: list[tuple[str, judge.Verdict]]) -> str:
    """Counts per verdict, then every model whose verdict is not `same`, with its reason."""
    counts = Counter(v.outcome for _, v in verdicts)
    lines = ["| verdict | models |", "|---|---|", *(f"| {k} | {n} |" for k, n in counts.most_common()), "",
             "| model (family/files:process) | verdict | why |", "|---|---|---|"]
    lines += [f"| {case} | {v.outcome} | {' '.join(v.reason.replace('|', '/').split())[:300]} |"
              for case, v in verdicts if v.outcome != judge.SAME]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_upstream_model_same_as_bare_spiffworkflow_or_refused(sweep_db, sweeper, results, case):
    client, admin = sweeper
    try:
        verdict = judge.judge(client, admin, sweep_db, case.file_map, key=case.key, messages=case.messages,
                              fire_timers=case.fire_timers, task_data=case.task_data,
                              start_data=case.start_data)
    except Exception as err:  # a 500, or an exception the test client let through: a bug
        results.append((case.id, judge.Verdict(judge.DIFFERENT, f"{type(err).__name__}: {err}", case.key)))
        raise
    results.append((case.id, verdict))
    assert verdict.outcome != judge.DIFFERENT, verdict.reason
