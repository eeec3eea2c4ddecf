"""How a user task behaves under the approval operations, read from its `spiffworkflow:properties`
(docs/design.md, "Approval operations"). One parser, used when deploying (errors per element)
and when running (defaults)."""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from typing import Any

from engine.definitions.properties import properties

SIGN_MODES = ("ALL", "ANY", "SEQUENTIAL", "RATIO")
NO_CANDIDATE = ("ADMIN", "SKIP", "FAIL")
RESUBMIT = ("RERUN", "JUMP_BACK", "CHOOSE")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")
_WORKING_DAYS = re.compile(r"^(\d{1,3})WD$", re.IGNORECASE)  # 5WD: five working days (engine.time.calendar)


@dataclass
class StepRules:
    assignee: str | None = None  # expression → username
    signers: str | None = None  # expression → list of usernames (multi-signer step)
    sign_mode: str | None = None
    pass_ratio: Fraction | None = None
    reject_rule: str = "VETO"
    due_in: timedelta | None = None
    due_working_days: int | None = None  # dueIn="5WD": end of the 5th working day
    due_at: str | None = None  # dueAt: expression → the deadline (ISO datetime/date), e.g. a 批复 deadline
    priority: int = 0
    separate_from: list[str] = field(default_factory=list)  # step ids, "initiator", "previous"
    no_candidate: str = "ADMIN"
    return_to: list[str] = field(default_factory=lambda: ["any"])  # any previous initiator none | step ids
    resubmit: str = "CHOOSE"
    opinion_required: set[str] = field(default_factory=lambda: {"RETURN", "REJECT", "NOT_SUPPORT"})
    batch_approve: bool = False
    reclaimable: bool = True
    cc_to: str | None = None  # expression → list of usernames copied when the step completes

    @property
    def expressions(self) -> list[str]:
        return [e for e in (self.assignee, self.signers, self.cc_to, self.due_at) if e]


def parse(props: dict[str, str]) -> tuple[StepRules, list[str]]:
    """The rules and, for deployment, the Chinese messages of every bad value."""
    rules, errors = StepRules(), []
    rules.assignee = props.get("assignee") or None
    rules.signers = props.get("signers") or None
    rules.cc_to = props.get("ccTo") or None
    if mode := props.get("multiSign"):
        if mode.upper() not in SIGN_MODES:
            errors.append(f"multiSign 须为 {'/'.join(SIGN_MODES)}，而不是 “{mode}”")
        else:
            rules.sign_mode = mode.upper()
            if not rules.signers:
                errors.append("多人审批（multiSign）须给出 signers 表达式")
    if ratio := props.get("passRatio"):
        try:
            rules.pass_ratio = Fraction(ratio.strip())
            if not 0 < rules.pass_ratio <= 1:
                raise ValueError
        except (ValueError, ZeroDivisionError):
            errors.append(f"passRatio 须为 0 到 1 之间的比例（如 2/3），而不是 “{ratio}”")
    if rules.sign_mode == "RATIO" and rules.pass_ratio is None:
        errors.append("票签（RATIO）须给出 passRatio")
    if rule := props.get("rejectRule"):
        if rule.upper() not in ("VETO", "COUNT"):
            errors.append(f"rejectRule 须为 VETO/COUNT，而不是 “{rule}”")
        else:
            rules.reject_rule = rule.upper()
    if due := props.get("dueIn"):
        match = _DURATION.match(due.strip())
        if working := _WORKING_DAYS.match(due.strip()):
            if int(working.group(1)) < 1:
                errors.append(f"dueIn 的工作日数须至少为 1（如 5WD），而不是 “{due}”")
            else:
                rules.due_working_days = int(working.group(1))
        elif not match or not any(match.groups()):
            errors.append(f"dueIn 须为 ISO 8601 时长（如 P5D、PT4H）或工作日数（如 5WD），而不是 “{due}”")
        else:
            d, h, m = (int(x or 0) for x in match.groups())
            rules.due_in = timedelta(days=d, hours=h, minutes=m)
    rules.due_at = props.get("dueAt") or None
    if rules.due_at and props.get("dueIn"):
        errors.append("dueAt 与 dueIn 只能给出一个")
    if priority := props.get("priority"):
        if priority not in ("0", "1", "2"):
            errors.append(f"priority 须为 0（普通）/1（紧急）/2（特急），而不是 “{priority}”")
        else:
            rules.priority = int(priority)
    rules.separate_from = _list(props.get("separateFrom"))
    if value := props.get("noCandidate"):
        if value.upper() not in NO_CANDIDATE:
            errors.append(f"noCandidate 须为 {'/'.join(NO_CANDIDATE)}，而不是 “{value}”")
        else:
            rules.no_candidate = value.upper()
    if value := props.get("returnTo"):
        rules.return_to = _list(value)
    if value := props.get("resubmit"):
        if value.upper() not in RESUBMIT:
            errors.append(f"resubmit 须为 {'/'.join(RESUBMIT)}，而不是 “{value}”")
        else:
            rules.resubmit = value.upper()
    if "opinionRequired" in props:
        rules.opinion_required = {v.upper() for v in _list(props["opinionRequired"])}
    rules.batch_approve = props.get("batchApprove", "").lower() == "true"
    rules.reclaimable = props.get("reclaimable", "true").lower() != "false"
    return rules, errors


_parsed: weakref.WeakKeyDictionary[Any, StepRules] = weakref.WeakKeyDictionary()


def rules_of(task_spec: Any) -> StepRules:
    """The step's rules, parsed once per task spec: specs are cached per deployed version
    (engine.definitions.specs), so this is once per version. Callers must not change the result."""
    rules = _parsed.get(task_spec)
    if rules is None:
        rules = _parsed[task_spec] = parse(properties(task_spec))[0]
    return rules


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def as_usernames(value: Any) -> list[str]:
    """An expression's result as a list of usernames (a name, a list of names or of user dicts)."""
    if value is None:
        return []
    if isinstance(value, str | dict):
        value = [value]
    names = []
    for item in value:
        name = item.get("username") if isinstance(item, dict) else item
        if name and str(name) not in names:
            names.append(str(name))
    return names
