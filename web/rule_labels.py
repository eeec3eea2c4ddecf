"""What a person reads for a decision table's outputs (docs/design.md, "Decision tables and rule
versions"): each output code in Chinese, from the domain's name maps, keyed by the output's
variable name; booleans 是/否, nothing 无, lists joined."""
from __future__ import annotations

from typing import Any

from budget.calc.classification import FISCAL_EXANTE_LABELS, REASON_LABELS
from budget.classification import CONCLUSIONS
from budget.p7_rectification.followup import MODE_ZH
from budget.shared import monitoring_names as monitoring
from budget.shared.rule_names import REVIEW_MODE_ZH, ROUTE_ZH

OUTPUT_VALUES: dict[str, dict[str, str]] = {
    "fiscal_exante": FISCAL_EXANTE_LABELS, "exante_reason": REASON_LABELS,  # DT-01
    "conclusion": CONCLUSIONS,  # DT-02
    "review_mode": REVIEW_MODE_ZH,  # DT-03
    "route": ROUTE_ZH,  # DT-04
    "level": monitoring.LEVEL_ZH, "reason": monitoring.REASON_ZH, "warning_reasons": monitoring.REASON_ZH,  # DT-06
    "suggested_response": monitoring.SUGGESTION_ZH,  # DT-07
    "followup_mode": MODE_ZH,  # DT-15
}


def value_text(output: str, value: Any) -> str:
    """`value` of the output named `output` as a person reads it."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "无"
    if isinstance(value, list | tuple):
        return "、".join(value_text(output, v) for v in value) or "无"
    return OUTPUT_VALUES.get(output, {}).get(str(value), str(value))
