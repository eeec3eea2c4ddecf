"""Chinese names of the monitoring codes (DT-06 reasons, DT-07 suggestions, fund-division responses,
F-09 possibilities and deviation causes). web/labels.py shows them on pages, the X-03 export writes them into cells and F-11 offers them,
so they live in the shared layer every family may read."""
from __future__ import annotations

LEVEL_ZH = {"RED": "红色预警", "YELLOW": "黄色预警", "GREEN": "正常"}

# DT-06 (rules.md): the row's reason code → what a clerk reads.
REASON_ZH = {
    "SD_KEY_40PP": "重大项目执行滞后≥40个百分点（重点监控）",
    "TARGET_IMPOSSIBLE": "绩效目标完全不可能完成",
    "YEAR_END_RISK": "10月起执行率低于50%（年底支出风险）",
    "LAG_30": "执行进度滞后≥30个百分点",
    "COST_OVERRUN_20": "成本超支超过20%",
    "TARGET_AT_RISK": "绩效目标有可能无法完成",
    "LAG_15": "执行进度滞后≥15个百分点",
    "COST_OVERRUN_10": "成本超支超过10%",
    "OK": "正常",
}

# DT-07 suggested_response.
SUGGESTION_ZH = {
    "KEY_MONITORING": "重点监控（财政或第三方跟踪核查）",
    "PROPOSE_RECOVER_OR_REALLOCATE": "建议收回或调剂资金",
    "PROPOSE_PAYMENT_HOLD": "建议暂缓拨款",
    "REQUIRE_CORRECTIVE_PLAN": "要求提交纠偏方案",
    "REQUIRE_EXPLANATION": "要求5个工作日内书面说明",
    "NONE": "无",
}

# MonitoringWarning.response (F-10 / F-11 outcomes).
RESPONSE_ZH = {
    "EXPLAINED": "单位已说明", "CORRECTIVE_PLAN": "已提交纠偏方案", "PAYMENT_HOLD": "暂缓拨款",
    "REALLOCATE": "调剂资金", "RECOVER": "收回资金", "TARGET_ADJUST": "调整绩效目标", "WATCH": "继续观察",
    "START_RECTIFICATION": "启动整改",
}

# Where a warning stands when no response is recorded yet (derived, not stored).
RESPONSE_STATE_ZH = {"OPEN": "待响应", "OVERDUE": "逾期未响应", "CLOSED": "已办结"}

POSSIBILITY_ZH = {"CERTAIN": "确定能", "POSSIBLE": "有可能", "IMPOSSIBLE": "完全不可能"}
POSSIBILITY_RANK = {"CERTAIN": 0, "POSSIBLE": 1, "IMPOSSIBLE": 2}  # worst = highest

CAUSE_ZH = {"FUNDING": "经费保障", "INSTITUTION": "制度保障", "STAFF": "人员保障", "HARDWARE": "硬件条件保障",
            "OTHER": "其他"}
