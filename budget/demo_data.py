"""The 示例市 sample dataset (sample-data §8.1, §8.3, §8.9) as plain tables; demo.py loads them."""
from __future__ import annotations

PREFIX = "示例"  # 市教育局 → 示例市教育局
JURISDICTION = {"code": "SAMPLE-CITY", "name": "示例市本级", "level": "CITY",
                "packs": ["CORE", "SD", "SZ", "QP", "FJ", "JN"]}

# code, name, type, username suffix (fund.<suffix>) — §8.1 [A names]
DIVISIONS = [
    ("FD-EDU", "教科文处", "FUND", "edu"), ("FD-SOC", "社会保障处", "FUND", "soc"),
    ("FD-ECO", "经济建设处", "FUND", "eco"), ("FD-AGR", "农业农村处", "FUND", "agr"),
    ("FD-ENV", "资源环境处", "FUND", "env"), ("FD-TRD", "经济贸易处", "FUND", "trd"),
    ("FD-BUD", "预算处", "BUDGET", None), ("FD-PERF", "预算绩效管理处", "PERF", None),
    ("FD-TRE", "国库处", "TREASURY", None), ("FD-CTR", "财政绩效评价中心", "CENTER", None),
]

# code, name, fund division, {unit code: unit name or None for 本级}, large_in_year_new_spending
DEPARTMENTS = [
    ("D01", "市教育局", "FD-EDU", {"D01-U01": None, "D01-U02": "市教育信息化中心"}, {}),
    ("D02", "市卫生健康委员会", "FD-SOC", {"D02-U01": None, "D02-U02": "市疾病预防控制中心"}, {}),
    ("D03", "市交通运输局", "FD-ECO", {"D03-U01": None, "D03-U02": "市公共交通服务中心"}, {}),
    ("D04", "市农业农村局", "FD-AGR", {"D04-U01": None, "D04-U02": "市农田建设管理站"}, {}),
    ("D05", "市生态环境局", "FD-ENV", {"D05-U01": None, "D05-U02": "市生态环境监测站"}, {}),
    ("D06", "市民政局", "FD-SOC", {"D06-U01": None, "D06-U02": "市社会福利中心"}, {"2024": True}),
    ("D07", "市科学技术局", "FD-EDU", {"D07-U01": None}, {}),
    ("D08", "市住房和城乡建设局", "FD-ECO", {"D08-U01": None, "D08-U02": "市市政设施养护中心"}, {}),
    ("D09", "市人力资源和社会保障局", "FD-SOC", {"D09-U01": None, "D09-U02": "市社会保险事业中心"}, {}),
    ("D10", "市商务局", "FD-TRD", {"D10-U01": None}, {}),
    ("D11", "市国有资产监督管理委员会", "FD-TRD", {"D11-U01": None}, {}),
]

# username, display name, org code, role, scope type, scope id — finance, observers, admin (§8.2)
FINANCE_USERS = [
    ("budget.1", "示例市财政局预算处 经办人", "FD-BUD", "FIN_BUDGET", "ALL", None),
    ("perf.1", "示例市财政局预算绩效管理处 经办人一", "FD-PERF", "FIN_PERF", "ALL", None),
    ("perf.2", "示例市财政局预算绩效管理处 经办人二", "FD-PERF", "FIN_PERF", "ALL", None),
    ("center.1", "示例市财政绩效评价中心 评价人员", "FD-CTR", "FIN_CENTER", "ALL", None),
    ("treasury.1", "示例市财政局国库处 经办人", "FD-TRE", "FIN_TREASURY", "ALL", None),
    ("leader.1", "示例市财政局 局领导", "FINANCE", "FIN_LEADER", "ALL", None),
    ("obs.npc", "示例市人大常委会预算工作委员会 观察员", "NPC", "OBS_NPC", "ALL", None),
    ("obs.audit", "示例市审计局 观察员", "AUDIT", "OBS_AUDIT", "ALL", None),
    ("admin", "系统管理员", "IT", "SYS_ADMIN", "ALL", None),
]

# code, name, quality score, tier, fee coefficient, status (§8.9)
FIRMS = [
    ("TP-A", "示例绩效评价咨询有限公司A", "92", "A", "1.00", "ACTIVE"),
    ("TP-B", "示例会计师事务所B", "85", "B", "1.00", "ACTIVE"),
    ("TP-C", "示例工程咨询有限公司C", "78", "C", "0.95", "WARNED"),
    ("TP-D", "示例财税服务有限公司D", "66", "D", "0.90", "WARNED"),
    ("TP-E", "示例管理咨询有限公司E", "55", "D", "0.80", "SUSPENDED"),
]

# code, domains, title, employer, conflict orgs (§8.9)
EXPERTS = [
    ("e01", ["FISCAL_PERF"], "高级会计师", "示例市财政科学研究所", []),
    ("e02", ["FISCAL_PERF"], "教授", "示例财经大学公共管理学院", []),
    ("e03", ["FISCAL_PERF"], "注册会计师", "示例市注册会计师协会", []),
    ("e04", ["EDUCATION"], "教授", "示例师范大学教育学院", []),
    ("e05", ["HEALTH"], "主任医师", "示例市第一人民医院（市卫生健康委员会直属）", ["D02"]),
    ("e06", ["TRANSPORT"], "正高级工程师", "示例交通规划设计研究院", []),
    ("e07", ["AGRICULTURE"], "研究员", "示例省农业科学院", []),
    ("e08", ["ENVIRONMENT"], "高级工程师", "示例环境科学研究院", []),
    ("e09", ["SOCIAL_SECURITY"], "教授", "示例大学社会保障研究中心", []),
    ("e10", ["SCIENCE"], "研究员", "示例科技发展战略研究院", []),
    ("e11", ["COST"], "注册造价工程师", "示例工程造价咨询有限公司", []),
    ("e12", ["AUDIT"], "高级审计师", "示例审计事务所", []),
]

# §8.3: code, name, unit, 功能分类, funding (G/F/S/I or {source: pct}), N/C, start, end,
# FY2024 adjusted, FY2025 adjusted, FY2026 request (万元), extra project fields
FUNDING_CODES = {"G": "GENERAL", "F": "GOV_FUND", "S": "STATE_CAPITAL", "I": "SOCIAL_INSURANCE"}
PROJECTS = [
    ("P-D01-001", "市属中小学智慧校园建设", "D01-U02", "205", "G", "NEW", 2026, 2027, None, None, 3000,
     {"one_off_type": "IT_CONSTRUCTION", "domain_tags": ["DIGITAL"], "total_wan": 4800}),
    ("P-D01-002", "学前教育生均公用经费补助", "D01-U01", "205", "G", "CONTINUING", 2021, 2027, 6200, 6500, 6500,
     {"domain_tags": ["MINSHENG"]}),
    ("P-D02-001", "基层医疗卫生机构能力提升工程", "D02-U01", "210", "G", "NEW", 2026, 2028, None, None, 15000,
     {"large_influence": True, "scope_districts": 12, "total_wan": 36000}),
    ("P-D02-002", "公共卫生应急物资储备", "D02-U02", "210", "G", "CONTINUING", 2022, 2026, 450, 460, 460,
     {"is_classified": True}),
    ("P-D03-001", "农村公路提档升级", "D03-U01", "214", "F", "NEW", 2026, 2028, None, None, 10000,
     {"one_off_type": "CAPITAL_CONSTRUCTION", "special_type": ["GOV_BOND"], "total_wan": 24000}),
    ("P-D03-002", "城市公交运营补贴(政府购买公交服务)", "D03-U02", "214", "G", "CONTINUING", 2020, 2027,
     27000, 28000, 28000,
     {"special_type": ["GOV_PURCHASE_SERVICE"], "cost_catalog": True, "domain_tags": ["PUBLIC_UTILITY"]}),
    ("P-D04-001", "高标准农田建设", "D04-U02", "213", "G", "CONTINUING", 2021, 2025, 9000, 9000, None,
     {"scope_districts": 9}),
    ("P-D04-002", "农业产业化龙头企业扶持资金", "D04-U01", "213", "G", "CONTINUING", 2021, 2028, 1800, 1800, 1800,
     {"object_type": "SPECIAL_FUND", "policy_expiry_year": 2025, "domain_tags": ["INDUSTRY"]}),
    ("P-D05-001", "大气污染源自动监测运维", "D05-U02", "211", "G", "NEW", 2026, 2028, None, None, 300, {}),
    ("P-D05-002", "生态环境执法能力建设", "D05-U01", "211", "G", "NEW", 2026, 2026, None, None, 299,
     {"one_off_type": "EQUIPMENT"}),
    ("P-D06-001", "城乡低保及特困人员救助", "D06-U01", "208", "G", "CONTINUING", 2019, 2027, 31000, 32000, 32500,
     {"domain_tags": ["MINSHENG"]}),
    ("P-D06-002", "养老服务体系建设补助", "D06-U02", "208", {"GENERAL": "70", "GOV_FUND": "30"}, "CONTINUING",
     2022, 2027, 4500, 4800, 4800, {}),
    ("P-D07-001", "科技创新券补助", "D07-U01", "206", "G", "CONTINUING", 2021, 2027, 480, 499, 499,
     {"object_type": "POLICY", "policy_intensive": True, "policy_expiry_year": 2027}),
    ("P-D07-002", "重大科技专项", "D07-U01", "206", "G", "CONTINUING", 2025, 2027, None, 500, 800, {}),
    ("P-D08-001", "老旧小区改造", "D08-U01", "212", "F", "CONTINUING", 2024, 2026, 10000, 12000, 12000,
     {"one_off_type": "CAPITAL_CONSTRUCTION", "special_type": ["GOV_BOND"]}),
    ("P-D08-002", "城市道路桥梁养护", "D08-U02", "212", "G", "CONTINUING", 2020, 2027, 3500, 3600, 3600,
     {"cost_catalog": True, "domain_tags": ["URBAN_OPS"]}),
    ("P-D09-001", "城乡居民基本养老保险基金支出", "D09-U02", "209", "I", "CONTINUING", 2014, 2030,
     82000, 85000, 88000, {"special_type": ["SOCIAL_FUND"]}),
    ("P-D09-002", "职业技能提升补贴", "D09-U01", "208", "G", "CONTINUING", 2021, 2027, 2400, 2600, 2600, {}),
    ("P-D10-001", "商务发展专项资金", "D10-U01", "216", "G", "CONTINUING", 2021, 2028, 14000, 14000, 14000,
     {"object_type": "SPECIAL_FUND", "policy_expiry_year": 2025, "domain_tags": ["INDUSTRY"]}),
    ("P-D11-001", "市属国企产业升级资本金注入", "D11-U01", "223", "S", "NEW", 2026, 2027, None, None, 5000, {}),
]

# FY2024 execution rate % (§8.7), for the executed amount of the FY2024 rows.
FY2024_EXEC_PCT = {
    "P-D01-002": 97, "P-D02-002": 72, "P-D03-002": 99, "P-D04-001": 98, "P-D04-002": 93,
    "P-D06-001": "99.5", "P-D06-002": 91, "P-D07-001": 88, "P-D08-001": 85, "P-D08-002": 96,
    "P-D09-001": 100, "P-D09-002": 90, "P-D10-001": 95,
}

# The accounts the login page lists when the demo data is loaded (README "Demo users"): the tour's
# people first (README walk-through), then one of each other kind. username, role as a clerk says it.
LOGIN_ACCOUNTS = [
    ("filer.d05u02", "项目单位经办人"), ("head.d05u02", "项目单位负责人"),
    ("dept.d05", "主管部门绩效管理员"), ("depthead.d05", "主管部门负责人"),
    ("perf.1", "财政局预算绩效管理处"), ("perf.2", "财政局预算绩效管理处"), ("center.1", "财政绩效评价中心"),
    ("fund.env", "财政局资金管理处"), ("budget.1", "财政局预算处"), ("leader.1", "财政局领导"),
    ("expert.e01", "评审专家"), ("tp.a.lead", "第三方机构主评人"), ("obs.npc", "人大观察员"),
    ("admin", "系统管理员"),
]
DEFAULT_PASSWORD = "perfflow"  # README; `make run` takes DEMO_PASSWORD instead when set
# Org codes of the demo users that are no department, division or firm (the login page's 部门).
OTHER_ORGS = {"FINANCE": "示例市财政局", "NPC": "示例市人大常委会", "AUDIT": "示例市审计局", "IT": "示例市财政局",
              "EXPERT-POOL": "评审专家库"}
