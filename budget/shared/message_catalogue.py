"""The message catalogue of processes.md §5.1 as data: each message's name, who sends it (the
roles whose holders may post it through `POST /api/v1/messages`; administrators always may), its
correlation keys and its payload. Messages only a process throws have no sender role: from outside
only an administrator may post them (a repair, an integration test)."""
from __future__ import annotations

from dataclasses import dataclass, field

# Kinds of a key or payload field, as the API validates them: text, int, date, decimal, bool,
# list (of anything), object. Stored and delivered as JSON (dates ISO 8601, decimals as text).
KINDS = ("text", "int", "date", "decimal", "bool", "list", "object")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    label: str
    required: bool = True


@dataclass(frozen=True)
class MessageKind:
    name: str
    label: str
    thrown_by: str
    caught_by: str
    senders: frozenset[str]
    correlation: tuple[Field, ...]
    payload: tuple[Field, ...] = field(default_factory=tuple)

    def correlation_keys(self) -> list[str]:
        return [f.name for f in self.correlation]


ROLE_LABELS = {
    "UNIT_FILER": "项目单位经办人", "UNIT_HEAD": "项目单位负责人", "DEPT_OFFICER": "主管部门绩效管理员",
    "FIN_FUND": "财政资金管理处", "FIN_BUDGET": "预算处", "FIN_PERF": "预算绩效管理处",
    "FIN_TREASURY": "国库处", "OBS_AUDIT": "审计观察员",
}

_PROJECT = Field("project_id", "text", "项目")
_FISCAL_YEAR = Field("fiscal_year", "int", "预算年度")
_JURISDICTION = Field("jurisdiction", "text", "地区")
_EVAL_YEAR = Field("eval_year", "int", "评价年度")


def _kind(name: str, label: str, thrown_by: str, caught_by: str, senders: tuple[str, ...],
          correlation: tuple[Field, ...], payload: tuple[Field, ...] = ()) -> MessageKind:
    return MessageKind(name, label, thrown_by, caught_by, frozenset(senders), correlation, payload)


CATALOGUE: dict[str, MessageKind] = {k.name: k for k in (
    _kind("msg_in_year_request", "年中追加申请", "预算调整界面", "P1（消息启动）", ("FIN_BUDGET",),
          (_PROJECT,), (Field("in_year", "bool", "年中追加", required=False),)),
    _kind("msg_project_in_library", "项目入库", "P1", "P2（消息启动，滚动入库）", (),
          (_PROJECT, Field("request_year", "int", "申报年度")),
          (Field("exante", "object", "事前评估结果", required=False),)),
    _kind("msg_budget_prep_start", "启动预算编制", "预算处批量操作", "P2（每个申报项目一个实例）", ("FIN_BUDGET",),
          (_JURISDICTION, _FISCAL_YEAR), (Field("submit_due_iso", "date", "报送截止日", required=False),)),
    _kind("msg_result_decisions_ready", "结果应用决定已就绪", "P6（P6 建成前由预算绩效管理处声明）", "P2（中间捕获）",
          ("FIN_PERF",), (_JURISDICTION, Field("apply_year", "int", "应用年度"))),
    _kind("msg_npc_budget_approved", "人大批准预算", "预算处", "P2（中间捕获，广播）", ("FIN_BUDGET",),
          (_JURISDICTION, _FISCAL_YEAR), (Field("npc_approval_date", "date", "人大批准日期"),)),
    _kind("msg_budget_approved", "预算批复", "P2", "P3（消息启动）", (), (_PROJECT, _FISCAL_YEAR),
          (Field("arranged", "decimal", "安排金额", required=False),
           Field("target_version", "int", "目标版本", required=False))),
    _kind("msg_target_adjust_request", "目标调整申请", "项目单位界面", "P3 事件子流程", ("UNIT_FILER",),
          (_PROJECT, _FISCAL_YEAR)),
    _kind("msg_payment_hold", "暂缓拨付", "P3", "国库接口", (), (_PROJECT, _FISCAL_YEAR),
          (Field("hold", "bool", "暂缓拨付"), Field("reason", "text", "原因", required=False))),
    _kind("msg_budget_adjust_request", "预算调整申请", "P3", "预算处", (), (_PROJECT, _FISCAL_YEAR),
          (Field("proposed_change", "object", "调整建议", required=False),)),
    _kind("msg_execution_closed", "执行监控结束", "P3", "P4（前置检查）", (), (_PROJECT, _FISCAL_YEAR),
          (Field("had_red", "bool", "曾有红色预警", required=False),
           Field("exec_rate", "decimal", "执行率", required=False))),
    _kind("msg_self_eval_kickoff", "启动绩效自评", "预算绩效管理处批量操作", "P4（消息启动）", ("FIN_PERF",),
          (_JURISDICTION, _EVAL_YEAR), (Field("self_eval_due_iso", "date", "自评截止日", required=False),)),
    _kind("msg_review_selection_done", "复核抽选完成", "预算绩效管理处抽选界面", "P4（中间捕获）", ("FIN_PERF",),
          (_PROJECT, _EVAL_YEAR), (Field("review_type", "text", "复核方式", required=False),
                                   Field("performer", "text", "实施主体", required=False))),
    _kind("msg_key_eval_plan_approved", "重点评价计划批准", "重点评价计划界面", "P5（消息启动）", ("FIN_PERF",),
          (Field("object_id", "text", "评价对象"), _EVAL_YEAR),
          (Field("eval_level", "text", "评价层级", required=False),)),
    _kind("msg_evaluation_final", "评价结果定稿", "P4、P5", "P6 数据、P8", (), (_PROJECT, _EVAL_YEAR),
          (Field("evaluation_id", "text", "评价", required=False), Field("score", "decimal", "得分", required=False),
           Field("grade", "text", "等级", required=False))),
    _kind("msg_start_rectification", "启动整改", "P3、P4、P5、审计界面", "P7（消息启动）", ("OBS_AUDIT",),
          (Field("source_type", "text", "来源类型"), Field("source_id", "text", "来源")),
          # The case concerns one project-year; findings are [{description, category, severity,
          # owner_unit (code, optional), suggested_measure}]; the flags feed DT-14.
          (Field("project_id", "text", "项目"), Field("fiscal_year", "int", "预算年度"),
           Field("findings", "list", "问题", required=False), Field("grade", "text", "等级", required=False),
           Field("score", "decimal", "得分", required=False), Field("source_label", "text", "来源说明", required=False),
           Field("monitoring_red_unresolved", "bool", "红色预警未消除", required=False),
           Field("large_diff", "bool", "自评与复核差异大", required=False),
           Field("cost_poor", "bool", "成本分析较差", required=False))),
    _kind("msg_rectification_closed", "整改结束", "P7", "数据（P6 读取）", (), (Field("case_id", "text", "整改事项"),)),
    _kind("msg_disclosure_event", "信息公开事项", "P2、P4、P5、决算界面", "P8（消息启动，按事项和年度批量）",
          ("FIN_BUDGET",), (_JURISDICTION, Field("event", "text", "公开事项"), Field("year", "int", "年度")),
          (Field("object_ids", "list", "公开对象", required=False),)),
    _kind("msg_quality_scored", "第三方质量评分", "P4、P5", "第三方服务", (), (Field("engagement_id", "text", "委托"),),
          (Field("quality_score", "decimal", "质量得分", required=False),)),
    _kind("msg_project_completed_early", "项目提前完成", "项目单位界面（主管部门确认）", "P3 事件子流程",
          ("DEPT_OFFICER",), (_PROJECT, _FISCAL_YEAR), (Field("completion_date", "date", "完成日期"),)),
)}


def find(name: str) -> MessageKind | None:
    return CATALOGUE.get(name)


def sender_labels(kind: MessageKind) -> str:
    return "、".join(ROLE_LABELS.get(r, r) for r in sorted(kind.senders)) or "（仅流程发出）"
