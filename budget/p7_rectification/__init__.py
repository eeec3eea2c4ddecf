"""P7 整改与回头看 (workflows/p7_rectification/): the message starter (one case per source event), the
case and its issues (create), the notice (F-21), the explanation-only path, the plan and report with
the department head's sign-off and finance's review, overdue flags and the 约谈, DT-15's follow-up
and the checks (F-24), 对标销号, re-rectification and the close. Importing the package registers
them with engine.base.hooks."""
from budget.p7_rectification import (  # noqa: F401
    closing,
    create,
    explain,
    followup,
    helpers,
    interview,
    marking,
    notice,
    plan,
    report,
    starters,
)
