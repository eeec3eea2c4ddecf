"""P2's budget arrangement (forms F-07, processes §5.4 row 10) and 批复 deadlines: pure rules."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

GRADE_BANDS = ((Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"))  # DT-08 / T9
FIN_ISSUE_DAYS, DEPT_ISSUE_DAYS = 20, 15  # T20: finance ≤ 20 d after 人大; department ≤ 15 d after finance


def grade_of(score: Decimal | int | None) -> str | None:
    """DT-08 bands: 优 ≥ 90; 良 [80, 90); 中 [60, 80); 差 < 60."""
    if score is None:
        return None
    return next((g for floor, g in GRADE_BANDS if Decimal(score) >= floor), "差")


@dataclass(frozen=True)
class ArrangementDefault:
    amount: Decimal  # 元
    source: str  # which figure decided it: REQUESTED_LESS_CUT | REVIEW_APPROVED | EXANTE_RECOMMENDED
    explanation: str  # 中文, shown on F-07
    cap: Decimal  # the most that may be arranged: min(requested, review approved if present)


SOURCE_NAMES = {"REQUESTED_LESS_CUT": "申请金额减结果应用压减", "REVIEW_APPROVED": "评审审定金额",
                "EXANTE_RECOMMENDED": "事前评估建议金额"}


def arrangement_default(requested: Decimal, cut: Decimal | None, review_approved: Decimal | None,
                        exante_recommended: Decimal | None) -> ArrangementDefault:
    """F-07: default = min(requested − final cut, review approved if present, ex-ante recommended
    if present). The cut is computed on the requested amount and not stacked on the review or
    ex-ante reductions; on a tie the earlier figure in that order names the source."""
    figures = [("REQUESTED_LESS_CUT", max(requested - (cut or Decimal(0)), Decimal(0)))]
    if review_approved is not None:
        figures.append(("REVIEW_APPROVED", review_approved))
    if exante_recommended is not None:
        figures.append(("EXANTE_RECOMMENDED", exante_recommended))
    source, amount = min(figures, key=lambda f: f[1])
    cap = min(requested, review_approved) if review_approved is not None else requested
    parts = [f"{SOURCE_NAMES[s]} {wan(a)} 万元" for s, a in figures]
    explanation = f"取 {'、'.join(parts)} 中的最小者：{SOURCE_NAMES[source]}"
    return ArrangementDefault(amount=amount, source=source, explanation=explanation, cap=cap)


def wan(yuan: Decimal) -> str:
    """元 → 万元 text without trailing zeros (1500000.00 → 150)."""
    text = f"{(Decimal(yuan) / 10000):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def issue_due(start: date, days: int) -> date:
    return start + timedelta(days=days)
