"""P2 绩效目标审核、联合评审与批复 (workflows/p2_review/): the handlers that model names — the
message starter, task handlers (`completionHandler`), service operators and script helpers — and
the year's milestones the budget and performance divisions declare. Importing the package
registers them with engine.base.hooks."""
from budget.p2_review import (  # noqa: F401
    arrangement,
    batch,
    cycle,
    helpers,
    reviews,
    starters,
)
