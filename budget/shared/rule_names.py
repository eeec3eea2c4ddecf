"""Chinese names of the decision tables' output codes that no other page names yet (DT-03's review
modes, DT-04's routes): the rule pages and the what-if list show them (web/rule_labels.py)."""
from __future__ import annotations

# DT-03 review_mode (rules.md §DT-03).
REVIEW_MODE_ZH = {"FUND_DIVISION": "资金管理处审核", "JOINT_REVIEW": "联合审核",
                  "THIRD_PARTY_KEY": "第三方审核重点目标", "EXPERT_CENTRAL": "专家集中审核"}

# DT-04 route (processes.md, P2 step 6).
ROUTE_ZH = {"NEXT": "通过，进入下一步", "FIN_MINOR_FIX": "财政小幅修改后通过", "RETURN_RESUBMIT": "退回重报",
            "REJECT": "不予安排"}
