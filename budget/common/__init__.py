"""The call activities every family uses (workflows/common/): CA-1 专家评审 and CA-2 第三方委托.
Importing the package registers their service operators and task handlers with engine.base.hooks."""
from budget.common import experts, thirdparty  # noqa: F401
