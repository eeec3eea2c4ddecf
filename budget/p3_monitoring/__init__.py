"""P3 绩效运行监控（双监控） (workflows/p3_monitoring/): the message starter, the monthly step's
service operators, the report and warning-response handlers, the fund division's follow-up
(fund_followup) and the target-adjustment request (adjustment), the close and the event
sub-processes' services. Importing the package registers them with engine.base.hooks."""
from budget.p3_monitoring import (  # noqa: F401
    adjustment,
    fund_followup,
    helpers,
    monthly,
    responses,
    starters,
    warnings,
    year,
)
