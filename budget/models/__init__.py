"""Every domain record, imported so `db.create_all()` and Alembic see all tables."""
from budget.models.cycle import (
    BudgetArrangement,
    BudgetIssue,
    BudgetPrepRun,
    BudgetYearMilestone,
    DisclosureItem,
)
from budget.models.deadlines import DeadlineChange
from budget.models.exante import ExAnteAssessment
from budget.models.exports import ExportRun
from budget.models.monitoring import (
    BudgetAdjustmentRequest,
    ExecutionImport,
    ExecutionRecord,
    MonitoringRecord,
    MonitoringWarning,
    PaymentHold,
    RectificationRequest,
    TargetAdjustmentRequest,
)
from budget.models.org import Department, FinanceDivision, Jurisdiction
from budget.models.parties import Engagement, Expert, ThirdPartyOrg
from budget.models.project import Project, ProjectYear
from budget.models.rect_source import RectificationSource
from budget.models.rectification import (
    FollowUpCheck,
    IssueItem,
    RectificationCase,
    RectificationPlan,
    RectificationReport,
)
from budget.models.review import ExpertPanelResult, ReviewOpinion
from budget.models.rule_settings import JurisdictionRuleVersion
from budget.models.target import Indicator, PerformanceTarget

__all__ = [
    "BudgetAdjustmentRequest", "BudgetArrangement", "BudgetIssue", "BudgetPrepRun", "BudgetYearMilestone", "DeadlineChange", "DisclosureItem",
    "Department", "Engagement", "FollowUpCheck", "IssueItem", "ExAnteAssessment", "ExecutionImport", "ExecutionRecord", "Expert", "ExportRun", "ExpertPanelResult", "FinanceDivision",
    "Indicator", "Jurisdiction", "JurisdictionRuleVersion", "MonitoringRecord", "MonitoringWarning", "PaymentHold",
    "PerformanceTarget", "Project", "ProjectYear", "RectificationCase", "RectificationPlan",
    "RectificationReport", "RectificationRequest", "RectificationSource", "ReviewOpinion",
    "TargetAdjustmentRequest", "ThirdPartyOrg",
]
