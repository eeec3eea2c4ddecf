"""The read side of the execution year (issue 11 point 6): 预警看板 (V-05), 双监控 (V-06) and the
绩效监控表 export (X-03) over the records P3 writes (budget/models/monitoring.py). Queries only:
nothing here writes a monitoring record. Scope is the project library's rule
(budget.library.scope_clause): a department officer sees their department's project-years."""
