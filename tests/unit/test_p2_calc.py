"""P2's pure rules (budget.calc.arrangement): the F-07 default and its source, DT-08 bands."""
from __future__ import annotations

from decimal import Decimal

import pytest

from budget.calc.arrangement import arrangement_default, grade_of, wan

W = Decimal


def yuan(wan_amount: str) -> Decimal:
    return W(wan_amount) * 10000


@pytest.mark.parametrize(("cut", "review", "exante", "amount", "source", "cap"), [
    (None, None, None, "1000", "REQUESTED_LESS_CUT", "1000"),
    ("333", None, None, "667", "REQUESTED_LESS_CUT", "1000"),  # T6 cut on the request
    (None, "900", None, "900", "REVIEW_APPROVED", "900"),
    (None, "900", "850", "850", "EXANTE_RECOMMENDED", "900"),
    ("333", "900", "850", "667", "REQUESTED_LESS_CUT", "900"),  # not stacked: min, not a sum of cuts
    ("1200", None, None, "0", "REQUESTED_LESS_CUT", "1000"),  # a cut beyond the request arranges nothing
    (None, "1000", "1000", "1000", "REQUESTED_LESS_CUT", "1000"),  # a tie names the first figure
])
def test_default_is_the_smallest_figure_and_says_which(cut, review, exante, amount, source, cap):
    d = arrangement_default(yuan("1000"), cut and yuan(cut), review and yuan(review), exante and yuan(exante))
    assert (d.amount, d.source, d.cap) == (yuan(amount), source, yuan(cap))
    assert d.explanation.startswith("取 申请金额减结果应用压减") and d.explanation.endswith(
        {"REQUESTED_LESS_CUT": "申请金额减结果应用压减", "REVIEW_APPROVED": "评审审定金额",
         "EXANTE_RECOMMENDED": "事前评估建议金额"}[source])


def test_grade_bands_and_wan_text():
    assert [grade_of(W(s)) for s in ("95", "90", "89.99", "80", "60", "59.5")] == ["优", "优", "良", "良", "中", "差"]
    assert grade_of(None) is None
    assert (wan(W("1500000.00")), wan(W("2995000.00")), wan(W("0"))) == ("150", "299.5", "0")
