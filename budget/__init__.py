"""The budget-performance domain: records (models), pure computations (calc), record writing
shared by the families (shared), and one package per process family mirroring workflows/
(p1_intake, p2_review, p3_monitoring, p7_rectification, common) holding the handlers its models name, and the monitoring views
(read side of the execution year). Importing the package registers its models, handlers, listeners and jobs."""
from budget import (  # noqa: F401
    common,
    escalation,
    execution,
    models,
    p1_intake,
    p2_review,
    p3_monitoring,
    p7_rectification,
    rect_sources,
    shared,
)
from budget.ledgers import runs, urging  # noqa: F401  (the ledgers' export and bulk 催办 jobs)
from budget.monitoring_views import export_runs  # noqa: F401  (the background X-03 export job)
