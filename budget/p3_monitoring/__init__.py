"""P3 绩效运行监控（双监控） (workflows/p3_monitoring/): the handlers its model names. Importing the
package registers them with engine.base.hooks."""
from budget.p3_monitoring import adjustment, fund_followup  # noqa: F401
