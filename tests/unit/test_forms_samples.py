"""Valid submissions for every form, shared by the forms tests (no database)."""
from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

L1 = {"产出": "OUTPUT", "效益": "EFFECT", "满意度": "SATISFACTION"}
L2 = {"数量": "OUT_QTY", "质量": "OUT_QLT", "时效": "OUT_TIME", "成本": "OUT_COST", "经济效益": "EFF_ECON",
      "社会效益": "EFF_SOC", "生态效益": "EFF_ECO", "可持续影响": "EFF_SUST", "服务对象满意度": "SAT_SERVICE"}
OPS = {"≥": "GE", "≤": "LE", "=": "EQ", ">": "GT", "<": "LT"}

# sample-data.md §8.4, FY2025 targets (FW88): (L1, L2, L3, value, weight).
TREES = {
    "P-D03-002": [
        ("产出", "数量", "公交运营里程", "≥ 1.20 亿车公里", 10),
        ("产出", "数量", "运营线路数", "≥ 320 条", 5),
        ("产出", "质量", "公交准点率", "≥ 90 %", 10),
        ("产出", "质量", "车辆完好率", "≥ 95 %", 5),
        ("产出", "时效", "补贴资金按季拨付及时率", "= 100 %", 5),
        ("产出", "成本", "每车公里财政补贴", "≤ 2.35 元/车公里", 10),
        ("产出", "成本", "单位运营成本", "≤ 9.80 元/车公里", 5),
        ("效益", "社会效益", "年客运量", "≥ 3.6 亿人次", 15),
        ("效益", "社会效益", "公共交通机动化出行分担率", "≥ 45 %", 10),
        ("效益", "可持续影响", "新能源公交车占比", "≥ 95 %", 5),
        ("满意度", "服务对象满意度", "乘客满意度", "≥ 90 %", 10),
    ],
    "P-D04-001": [
        ("产出", "数量", "新建高标准农田面积", "≥ 5.0 万亩", 20),
        ("产出", "质量", "工程验收合格率", "= 100 %", 10),
        ("产出", "时效", "年度建设任务当年完工率", "≥ 90 %", 5),
        ("产出", "成本", "亩均财政投入", "≤ 1,800 元/亩", 15),
        ("效益", "经济效益", "项目区粮食亩产提高", "≥ 50 公斤/亩", 10),
        ("效益", "社会效益", "受益农户数", "≥ 3.2 万户", 10),
        ("效益", "生态效益", "节水灌溉面积占比", "≥ 60 %", 5),
        ("效益", "可持续影响", "建后管护机制", "定性: 建立并有效运行", 5),
        ("满意度", "服务对象满意度", "受益农户满意度", "≥ 90 %", 10),
    ],
    "P-D06-001": [
        ("产出", "数量", "应保尽保率", "= 100 %", 15),
        ("产出", "数量", "特困人员救助供养人数", "≥ 6,000 人", 10),
        ("产出", "质量", "低保对象认定准确率", "≥ 98 %", 10),
        ("产出", "时效", "救助金按月足额发放率", "= 100 %", 10),
        ("产出", "成本", "城市低保标准", "≥ 1,050 元/人·月", 5),
        ("效益", "社会效益", "困难群众基本生活保障", "定性: 有效保障", 20),
        ("效益", "可持续影响", "低保动态管理机制", "定性: 健全并运行", 10),
        ("满意度", "服务对象满意度", "救助对象满意度", "≥ 90 %", 10),
    ],
}


def indicator(l1: str, l2: str, name: str, value: str, weight: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"l1": L1[l1], "l2": L2[l2], "name": name, "weight": weight,
                           "value_basis": "PLAN", "data_source": "单位统计台账"}
    if value.startswith("定性:"):
        row.update(kind="QUAL", operator="QUAL", target_text=value.split(":", 1)[1].strip())
        return row
    match = re.fullmatch(r"(≥|≤|=|>|<) ([\d,.]+) ?(.*)", value)
    assert match, value
    row.update(kind="QUANT", operator=OPS[match[1]], target_value=match[2].replace(",", ""),
               unit=match[3].strip(), calc_method=f"{name}按年度统计口径计算")
    return row


def tree(code: str) -> list[dict[str, Any]]:
    return [indicator(*line) for line in TREES[code]]


def f04(code: str = "P-D04-001") -> dict[str, Any]:
    return {
        "overall_goal": "通过项目实施，全面完成年度建设任务并提升服务水平和群众满意度。",
        "annual_goal": "按期完成年度建设任务，确保资金使用安全高效，服务对象满意度达到 90% 以上。",
        "has_service_objects": True,
        "indicators": tree(code),
    }


F01 = {
    "name": "市属中小学智慧校园建设",
    "object_type": "PROJECT",
    "project_class": "SPECIFIC",
    "function_category": "205",
    "domain_tags": ["DIGITAL"],
    "one_off_type": "IT_CONSTRUCTION",
    "new_or_continuing": "NEW",
    "start_year": 2026,
    "end_year": 2027,
    "legal_basis": "依据《教育信息化2.0行动计划》及市政府相关文件精神开展建设。",
    "necessity_text": "当前市属中小学信息化基础设施老化，教学平台分散，亟需统一建设智慧校园，"
                      "支撑教学改革和教育治理现代化，满足师生日常教学与管理需要。",
    "content_text": "建设统一的智慧校园平台，包括校园网络升级、智慧教室改造、教学资源平台、"
                    "校园安全监控和数据中心等内容，覆盖全部市属中小学共计四十所学校。",
    "annual_requests": [
        {"year": 2026, "fiscal_amount": "3000", "other_amount": 0},
        {"year": 2027, "fiscal_amount": 1800.5, "other_amount": "0"},
    ],
    "funding_source": "GENERAL",
    "responsible_person": "filer.d01u02",
    "attachments": ["att-001"],
}
F01_CONTEXT = {"request_year": 2026, "current_year": 2025, "packs": ["CORE"]}

DIMS_OK = {"dim_necessity": 22, "dim_economy": "15", "dim_target": 16.5, "dim_feasibility": 16, "dim_financing": 13}
LONG = "该项目立项依据充分，与部门职责和年度重点工作高度契合，实施方案可行，测算依据较为充分。"
F02 = {
    "performer": "SELF",
    **DIMS_OK,
    **{f"comment_{d}": LONG for d in ("necessity", "economy", "target", "feasibility", "financing")},
    "financing_compliant": True,
    "financing_basis": "资金来源为一般公共预算，符合财政事权与支出责任划分规定。",
    "annual_need": [{"year": 2026, "amount": "2800"}, {"year": 2027, "amount": "1800"}],
    "recommended_amount": "2800",
    "report": ["att-r1"],
}
F02_CONTEXT = {"request_year": 2026, "request_wan": Decimal("3000"), "total_amount": Decimal("4800")}


def clone(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out.update(changes)
    return out
