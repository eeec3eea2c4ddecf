"""P1 项目申报入库与事前绩效评估 and its CA-4 财政事前评估 (workflows/p1_intake/): the handlers
those models name — task handlers (`completionHandler`), service operators, the starter and
script helpers. Importing the package registers them with engine.base.hooks."""
from budget.p1_intake import (  # noqa: F401
    application,
    exante,
    helpers,
    project,
    reviews,
    starters,
)
