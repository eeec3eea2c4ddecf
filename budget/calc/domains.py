"""function_category (政府收支分类 功能分类 类级) → expert domain, the `domain` datum CA-1 uses to
draw experts. Codes per entities §3.2; anything unlisted is GENERAL."""
from __future__ import annotations

FUNCTION_DOMAINS: dict[str, str] = {
    "205": "EDUCATION",
    "206": "SCIENCE",
    "208": "SOCIAL_SECURITY",
    "209": "SOCIAL_SECURITY",
    "210": "HEALTH",
    "211": "ENVIRONMENT",
    "213": "AGRICULTURE",
    "214": "TRANSPORT",
}

# Expert domains (sample-data §8.9); FISCAL_PERF is the 财政绩效 expert every panel needs.
EXPERT_DOMAINS: dict[str, str] = {
    "FISCAL_PERF": "财政绩效", "EDUCATION": "教育", "HEALTH": "卫生健康", "TRANSPORT": "交通工程",
    "AGRICULTURE": "农业", "ENVIRONMENT": "生态环境", "SOCIAL_SECURITY": "社会保障", "SCIENCE": "科技",
    "COST": "造价/成本", "AUDIT": "审计", "GENERAL": "综合",
}


def domain_of(function_category: str | int | None) -> str:
    return FUNCTION_DOMAINS.get(str(function_category or "").strip()[:3], "GENERAL")
