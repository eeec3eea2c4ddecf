"""The call activities every family uses (workflows/common/): CA-1 专家评审, CA-2 第三方委托, CA-3
目标审核（含调整） and CA-5 重点监控. Importing the package registers their service operators and task
handlers with engine.base.hooks."""
from budget.common import experts, key_monitoring, target_review, thirdparty  # noqa: F401
