"""The decision rule of multi-signer steps and the step properties, without a database."""
from __future__ import annotations

from fractions import Fraction

import pytest

from engine.definitions.steprules import parse
from engine.work.signing import decide


@pytest.mark.parametrize(("mode", "ratio", "rule", "approved", "rejected", "total", "expected"), [
    ("ALL", None, "VETO", 2, 0, 3, None),
    ("ALL", None, "VETO", 3, 0, 3, "APPROVE"),
    ("ALL", None, "VETO", 1, 1, 3, "REJECT"),  # one veto ends it
    ("ALL", None, "COUNT", 1, 1, 3, None),  # everyone signs first
    ("ALL", None, "COUNT", 2, 1, 3, "REJECT"),
    ("SEQUENTIAL", None, "VETO", 1, 0, 2, None),
    ("ANY", None, "VETO", 1, 0, 3, "APPROVE"),
    ("ANY", None, "VETO", 0, 1, 3, "REJECT"),
    ("ANY", None, "COUNT", 0, 2, 3, None),  # someone may still approve
    ("ANY", None, "COUNT", 0, 3, 3, "REJECT"),
    ("RATIO", Fraction(2, 3), "COUNT", 1, 1, 3, None),
    ("RATIO", Fraction(2, 3), "COUNT", 2, 1, 3, "APPROVE"),
    ("RATIO", Fraction(2, 3), "COUNT", 0, 2, 3, "REJECT"),  # can no longer reach 2/3
    ("RATIO", Fraction(2, 3), "VETO", 2, 1, 4, "REJECT"),
])
def test_decide(mode, ratio, rule, approved, rejected, total, expected):
    assert decide(mode, ratio, rule, approved, rejected, total) == expected


def test_step_properties_are_checked():
    rules, errors = parse({"multiSign": "RATIO", "signers": "voters", "passRatio": "2/3", "dueIn": "P2DT4H",
                           "priority": "2", "separateFrom": "ut_fill, initiator", "opinionRequired": "RETURN"})
    assert not errors
    assert rules.pass_ratio == Fraction(2, 3) and rules.due_in.total_seconds() == 52 * 3600
    assert rules.separate_from == ["ut_fill", "initiator"] and rules.opinion_required == {"RETURN"}
    _, errors = parse({"multiSign": "MOST", "passRatio": "3/2", "dueIn": "2 days", "priority": "9",
                       "noCandidate": "PANIC", "resubmit": "LATER", "rejectRule": "MAYBE"})
    assert len(errors) == 7
    _, errors = parse({"multiSign": "RATIO", "signers": "voters"})
    assert errors == ["票签（RATIO）须给出 passRatio"]
